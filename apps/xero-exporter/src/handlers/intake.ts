// A DocumentMapped recorded as waiting for Xero, in the same transaction as its processed eventId:
// the Kafka handler returns at once and the sender batches it. Preview runs are left alone.
import { CodedError, type DocumentMapped, type EventEnvelope } from '@lnbx/contracts';
import { hasSqlState, SQLSTATE } from '@lnbx/event-store';
import { Outbox } from '@lnbx/messaging';
import { Injectable } from '@nestjs/common';
import { ExporterConfig } from '../config';
import { type DocumentRef, documentStream, exportedEvent, failedEvent, problem } from '../domain/events';
import { CODES } from '../domain/xero-errors';
import { ExporterStore } from '../store/exporter-store';
import { Wakeups } from '../workers/wakeups';

export const CONSUMER = 'xero-exporter.documents';

export type IntakeResult = 'recorded' | 'preview' | 'redelivered' | 'already_exported';

const LOCK_TIMEOUT = '3s';

@Injectable()
export class Intake {
  /** Tell the monitor at once when no organisation was ever connected (a custom connection connects itself at boot). */
  private readonly announceNeverConnected: boolean;

  constructor(
    private readonly store: ExporterStore,
    private readonly outbox: Outbox,
    private readonly wakeups: Wakeups,
    config: ExporterConfig,
  ) {
    this.announceNeverConnected = config.xeroGrant === 'authorization_code';
  }

  async record(env: EventEnvelope<DocumentMapped.Value>): Promise<IntakeResult> {
    const v = env.payload;
    if (v.mode === 'preview') return 'preview';
    let result = 'redelivered' as IntakeResult;
    try {
      await this.outbox.once(CONSUMER, env.eventId, async (tx) => {
        // The document's row may be held by a sender mid-call: wait a little, never for long.
        await tx.query(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
        const ref: DocumentRef = {
          documentKey: v.documentKey, connectionId: env.connectionId, docType: v.documentType, revision: v.revision,
          runId: v.runId, correlationId: env.correlationId, causationId: env.eventId,
        };
        const known = await this.store.document(tx, v.documentKey);
        if (known?.xeroId && known.revision === v.revision) {
          // The same revision again (a retry run): it is in Xero already; say so without a call.
          await this.outbox.append(tx, documentStream(v.documentKey), [exportedEvent(ref, {
            xeroTenantId: known.xeroTenantId ?? '', xeroId: known.xeroId, number: known.number ?? v.xero.number, url: known.url ?? '',
            subTotal: known.subTotal ?? 0, totalTax: known.totalTax ?? 0, total: known.total ?? 0, outcome: 'already_present',
          })]);
          result = 'already_exported';
          return;
        }
        await this.store.upsertPending(tx, { ...ref, value: v });
        await this.store.ensureDocument(tx, v.documentKey, env.connectionId, v.documentType);
        const connection = await this.store.connection(tx, env.connectionId);
        // After a loss the monitor already knows (XeroConnectionLost) and shows the document waiting: nothing
        // to add per document. Only a connection that never reached an organisation is told here.
        const neverConnected = connection ? !connection.xeroTenantId && connection.status !== 'connected' : this.announceNeverConnected;
        if (neverConnected) {
          const why = connection?.reason ?? 'no Xero organisation has been connected yet';
          await this.outbox.append(tx, documentStream(v.documentKey), [
            failedEvent(ref, [problem(CODES.connectionLost, `Xero is not connected (${why}). The document waits and is sent once the connection is restored.`)], true, 1),
          ]);
        }
        result = 'recorded';
      });
    } catch (err) {
      if (hasSqlState(err, SQLSTATE.lockNotAvailable)) {
        throw new CodedError('EXPORTER.BUSY', `document ${v.documentKey} is being sent right now; recording its new revision later`, { retryAfterMs: 1000, cause: err });
      }
      throw err;
    }
    if (result === 'recorded') this.wakeups.workArrived();
    return result;
  }
}
