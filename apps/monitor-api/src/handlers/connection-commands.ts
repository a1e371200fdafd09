// What the REST API and the projections hand a connection's command to: decided on the connection's stream
// under its lock, appended expecting the version it was decided on, published once as ConnectionChanged and
// projected, all in one transaction.
import { CONNECTION_ID_PATTERN, definitionForType } from '@lnbx/contracts';
import type { Transaction } from '@lnbx/event-store';
import { Outbox } from '@lnbx/messaging';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { type ConnectionCommand, type ConnectionRefusal, type ConnectionState, decideConnection, SYSTEM } from '../domain/connection';
import type { Known } from '../domain/events';
import { appendConnection, type ConnectionEventSink, type ConnectionOut, loadConnection, lockConnection } from '../store/connection-store';
import { PROJECTION_CONSUMER, take } from '../store/projector';

/** Rolls back what the earlier commands of the same request appended. */
class Refused extends Error {
  constructor(readonly refusal: ConnectionRefusal) {
    super(refusal.message);
  }
}

export type ConnectionOutcome = { ok: true; connection: ConnectionOut | null; changed: boolean } | ConnectionRefusal;

@Injectable()
export class ConnectionCommands {
  readonly sink: ConnectionEventSink;

  constructor(private readonly outbox: Outbox) {
    this.sink = {
      readStream: (streamId, tx) => outbox.store.readStream(streamId, { tx }),
      append: async (tx, streamId, events, expectedVersion) => {
        await outbox.store.append(streamId, events, { expectedVersion }, tx);
      },
      // Published, and taken into the monitor's journal at once, as its own commands are (ProjectionService.emit):
      // when the event comes back from Kafka it is found processed and skipped.
      publish: async (tx, streamId, envelopes) => {
        await outbox.append(tx, streamId, envelopes, 'any');
        for (const env of envelopes) {
          await outbox.store.markProcessed(tx, PROJECTION_CONSUMER, env.eventId);
          await take(tx, env, definitionForType(env.type)!.topic);
        }
      },
    };
  }

  /**
   * Applies a person's commands, in order, in a transaction of their own: all of them or, when one is
   * refused, none (its refusal is returned, not thrown).
   */
  async apply(id: string, ...commands: ConnectionCommand[]): Promise<ConnectionOutcome> {
    try {
      return await this.outbox.store.withTransaction(async (tx) => {
        let outcome: ConnectionOutcome = { ok: true, connection: null, changed: false };
        for (const command of commands) {
          const next = await this.decide(tx, id, command, null);
          if (!next.ok) throw new Refused(next);
          outcome = { ...next, changed: outcome.changed || next.changed };
        }
        return outcome;
      });
    } catch (err) {
      if (err instanceof Refused) return err.refusal;
      throw err;
    }
  }

  /** The connection as its stream tells it now (what a command would be decided on). */
  async current(id: string): Promise<ConnectionState> {
    return this.outbox.store.withTransaction((tx) => loadConnection(this.sink, tx, id));
  }

  /**
   * Records what another part of the monitor learned (a setting changed, the Xero organisation) in `tx`, the
   * transaction that took it in, when the connection exists; what the connection refuses (it does not exist,
   * it was removed) is simply not recorded: the fact stands in its own events either way.
   */
  async record(tx: Transaction, id: string, command: ConnectionCommand, causationId: string): Promise<void> {
    if (!CONNECTION_ID_PATTERN.test(id)) return;
    await this.decide(tx, id, command, causationId);
  }

  /** The Xero organisation as the exporter's events tell it, for the connection the event names. */
  async learnFromXero(tx: Transaction, e: Known): Promise<void> {
    const command = xeroCommandOf(e);
    if (command) await this.record(tx, e.connectionId, command, e.eventId);
  }

  private async decide(tx: Transaction, id: string, command: ConnectionCommand, causationId: string | null): Promise<ConnectionOutcome> {
    await lockConnection(tx, id);
    const state = await loadConnection(this.sink, tx, id);
    const decision = decideConnection(command, state);
    if (!decision.ok) return decision;
    const after = await appendConnection(this.sink, tx, state, decision.events, { correlationId: randomUUID(), causationId });
    return { ok: true, connection: after.state.connection, changed: decision.events.length > 0 };
  }
}

/** The command an exporter's event about the Xero connection makes, or null for any other event. */
export function xeroCommandOf(e: Known): ConnectionCommand | null {
  const who = { by: SYSTEM, at: e.occurredAt };
  switch (e.type) {
    case 'XeroConnectionChanged': {
      const p = e.payload;
      // Picked among a consent's organisations: by whoever picked it (the exporter says who), on the change that connected it.
      if (p.status === 'connected' && p.xeroTenantId)
        return {
          type: 'RecordXeroConnected',
          tenantId: p.xeroTenantId,
          organisationName: p.tenantName ?? null,
          ...who,
          ...(p.change === 'connected' && p.by ? { by: p.by } : {}),
        };
      // Waiting for an operator to pick among a consent's organisations: nothing is exported meanwhile, so the
      // connection's record (and its health in the list of connections) does not say connected.
      if (p.status === 'choosing')
        return {
          type: 'RecordXeroLost',
          tenantId: null,
          organisationName: null,
          reason: `Xero gave access to ${p.organisations?.length ?? 'several'} organisations: one is still to be picked in the Integration Center`,
          ...who,
        };
      if (p.change === 'lost')
        return { type: 'RecordXeroLost', tenantId: p.xeroTenantId ?? null, organisationName: p.tenantName ?? null, reason: p.reason ?? null, ...who };
      // Disconnected in the Integration Center: by whoever pressed it (the exporter says who).
      return p.status === 'disconnected' ? { type: 'RecordXeroDisconnected', ...who, ...(p.by ? { by: p.by } : {}) } : null;
    }
    case 'XeroConnectionLost':
      return { type: 'RecordXeroLost', tenantId: e.payload.xeroTenantId, organisationName: e.payload.tenantName ?? null, reason: e.payload.reason, ...who };
    case 'XeroConnectionRestored':
      return { type: 'RecordXeroConnected', tenantId: e.payload.xeroTenantId, organisationName: e.payload.tenantName ?? null, ...who };
    default:
      return null;
  }
}
