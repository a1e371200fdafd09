// A DocumentMapped recorded as waiting for Xero, in the same transaction as its processed eventId:
// the Kafka handler returns at once and the sender batches it. Preview runs are left alone.
import { CodedError, type DocumentMapped, type EventEnvelope } from '@lnbx/contracts';
import { hasSqlState, SQLSTATE } from '@lnbx/event-store';
import { Outbox } from '@lnbx/messaging';
import { Injectable } from '@nestjs/common';
import { ExporterConfig } from '../config';
import { type DocumentRef, problem } from '../domain/events';
import { CODES } from '../domain/xero-errors';
import { DocumentLifecycleStore, type PendingAppends } from '../store/document-lifecycle-store';
import { type ConnectionRow, ExporterStore } from '../store/exporter-store';
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
    return (await this.recordAll([env]))[0];
  }

  /**
   * A batch of DocumentMapped (one Kafka batch, in order) in one transaction: each document's waiting row
   * and stream held, one read of the streams, each event decided in turn on the state the previous left,
   * every decision appended in one statement, the rows written together. The results in the order given.
   */
  async recordAll(envs: EventEnvelope<DocumentMapped.Value>[]): Promise<IntakeResult[]> {
    const results: IntakeResult[] = envs.map((env) => (env.payload.mode === 'preview' ? 'preview' : 'redelivered'));
    const todo = envs.map((env, i) => ({ env, i })).filter(({ env }) => env.payload.mode !== 'preview');
    if (!todo.length) return results;
    try {
      await this.outbox.onceMany(
        CONSUMER,
        todo.map(({ env }) => env.eventId),
        async (tx, fresh) => {
          const seen = new Set<string>();
          const mine = todo.filter(({ env }) => fresh.has(env.eventId) && !seen.has(env.eventId) && seen.add(env.eventId));
          if (!mine.length) return;
          // A document's row may be held by a sender mid-call: wait a little, never for long.
          await tx.query(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
          const keys = [...new Set(mine.map(({ env }) => env.payload.documentKey))];
          // The waiting rows first (a sender holding one is waited for), then the documents: the order the sender takes them in.
          await this.store.lockPending(tx, keys);
          await this.lifecycle.lock(tx, keys);
          const states = await this.lifecycle.load(tx, keys);
          const later: PendingAppends = new Map();
          const waiting: Parameters<ExporterStore['upsertPending']>[1] = [];
          const connections = new Map<string, ConnectionRow | undefined>();
          const at = new Date().toISOString();
          for (const { env, i } of mine) {
            const v = env.payload;
            const ref: DocumentRef = {
              documentKey: v.documentKey,
              connectionId: env.connectionId,
              docType: v.documentType,
              revision: v.revision,
              runId: v.runId,
              correlationId: env.correlationId,
              causationId: env.eventId,
            };
            let { state } = this.lifecycle.decideLater(later, v.documentKey, states.get(v.documentKey)!, { type: 'Queue', ref, number: v.xero.number, at });
            states.set(v.documentKey, state);
            if (state.phase !== 'queued') {
              // The same revision again (a retry run): it is in Xero already, and said so without a call.
              results[i] = 'already_exported';
              continue;
            }
            waiting.push({ ...ref, value: v });
            if (!connections.has(env.connectionId)) connections.set(env.connectionId, await this.store.connection(tx, env.connectionId));
            const connection = connections.get(env.connectionId);
            // After a loss the monitor already knows (XeroConnectionLost) and shows the document waiting: nothing
            // to add per document. Only a connection that never reached an organisation is told here.
            const neverConnected = connection ? !connection.xeroTenantId && connection.status !== 'connected' : this.announceNeverConnected;
            if (neverConnected) {
              const why =
                connection?.status === 'choosing'
                  ? "the consent gave several organisations, and which is this brand's is still to be picked in the Integration Center"
                  : (connection?.reason ?? 'no Xero organisation has been connected yet');
              ({ state } = this.lifecycle.decideLater(later, v.documentKey, state, {
                type: 'RecordFailure',
                ref,
                retriable: true,
                attempt: 1,
                at,
                problems: [problem(CODES.connectionLost, `Xero is not connected (${why}). The document waits and is sent once the connection is restored.`)],
              }));
              states.set(v.documentKey, state);
            }
            results[i] = 'recorded';
          }
          await this.lifecycle.appendAll(tx, later);
          await this.store.upsertPending(tx, waiting);
          await this.lifecycle.project(tx, states);
        },
      );
    } catch (err) {
      if (hasSqlState(err, SQLSTATE.lockNotAvailable)) {
        const named = todo.length === 1 ? `document ${todo[0].env.payload.documentKey} is` : `one of ${todo.length} documents is`;
        throw new CodedError('EXPORTER.BUSY', `${named} being sent right now; recording its new revision later`, {
          retryAfterMs: 1000,
          cause: err,
        });
      }
      throw err;
    }
    if (results.includes('recorded')) this.wakeups.workArrived();
    return results;
  }
}
