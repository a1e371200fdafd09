// A DocumentMapped recorded as waiting for Xero, in the same transaction as its processed eventId:
// the Kafka handler returns at once and the sender batches it. Preview runs are left alone.
import { CodedError, type DocumentMapped, type EventEnvelope } from '@lnbx/contracts';
import { hasSqlState, SQLSTATE } from '@lnbx/event-store';
import { Outbox } from '@lnbx/messaging';
import { Injectable } from '@nestjs/common';
import { ExporterConfig } from '../config';
import { type DocumentRef, problem } from '../domain/events';
import { CODES } from '../domain/xero-errors';
import { DocumentLifecycleStore } from '../store/document-lifecycle-store';
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
    private readonly lifecycle: DocumentLifecycleStore,
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
          documentKey: v.documentKey,
          connectionId: env.connectionId,
          docType: v.documentType,
          revision: v.revision,
          runId: v.runId,
          correlationId: env.correlationId,
          causationId: env.eventId,
        };
        // The pending row first (a sender holding it is waited for), then the document: the order the sender takes them in.
        await this.store.lockPending(tx, v.documentKey);
        await this.lifecycle.lock(tx, [v.documentKey]);
        const at = new Date().toISOString();
        let state = (await this.lifecycle.load(tx, [v.documentKey])).get(v.documentKey)!;
        ({ state } = await this.lifecycle.decide(tx, v.documentKey, state, { type: 'Queue', ref, number: v.xero.number, at }));
        if (state.phase !== 'queued') {
          // The same revision again (a retry run): it is in Xero already, and said so without a call.
          await this.lifecycle.project(tx, new Map([[v.documentKey, state]]));
          result = 'already_exported';
          return;
        }
        await this.store.upsertPending(tx, { ...ref, value: v });
        const connection = await this.store.connection(tx, env.connectionId);
        // After a loss the monitor already knows (XeroConnectionLost) and shows the document waiting: nothing
        // to add per document. Only a connection that never reached an organisation is told here.
        const neverConnected = connection ? !connection.xeroTenantId && connection.status !== 'connected' : this.announceNeverConnected;
        if (neverConnected) {
          const why = connection?.reason ?? 'no Xero organisation has been connected yet';
          ({ state } = await this.lifecycle.decide(tx, v.documentKey, state, {
            type: 'RecordFailure',
            ref,
            retriable: true,
            attempt: 1,
            at,
            problems: [problem(CODES.connectionLost, `Xero is not connected (${why}). The document waits and is sent once the connection is restored.`)],
          }));
        }
        await this.lifecycle.project(tx, new Map([[v.documentKey, state]]));
        result = 'recorded';
      });
    } catch (err) {
      if (hasSqlState(err, SQLSTATE.lockNotAvailable)) {
        throw new CodedError('EXPORTER.BUSY', `document ${v.documentKey} is being sent right now; recording its new revision later`, {
          retryAfterMs: 1000,
          cause: err,
        });
      }
      throw err;
    }
    if (result === 'recorded') this.wakeups.workArrived();
    return result;
  }
}
