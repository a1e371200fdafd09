// What the poller knows of each connection's status (poller.connections), learned from monitor-api's
// ConnectionChanged: a run or a firing of a connection that is paused or removed reads nothing from LNB.
import type { ConnectionSnapshot, ConnectionStatus } from '@lnbx/contracts';
import { PG_POOL } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { ClientBase, Pool } from 'pg';
import { SCHEMA } from './schema';

export interface KnownConnection {
  status: ConnectionStatus;
  pausedReason: string | null;
}

@Injectable()
export class ConnectionStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The connection as published; an older version than the one kept (a redelivery, a replay) changes nothing. */
  async learn(tx: ClientBase, c: Pick<ConnectionSnapshot, 'id' | 'status' | 'pausedReason' | 'version'>): Promise<void> {
    await tx.query(
      `insert into ${SCHEMA}.connections as c (connection_id, status, paused_reason, version) values ($1, $2, $3, $4)
       on conflict (connection_id) do update set status = excluded.status, paused_reason = excluded.paused_reason, version = excluded.version,
         updated_at = now()
       where c.version < excluded.version`,
      [c.id, c.status, c.pausedReason, c.version],
    );
  }

  /** Its status as last published; undefined for a connection monitor-api never published (a deployment of before: active). */
  async known(connectionId: string): Promise<KnownConnection | undefined> {
    const { rows } = await this.pool.query<{ status: ConnectionStatus; paused_reason: string | null }>(
      `select status, paused_reason from ${SCHEMA}.connections where connection_id = $1`,
      [connectionId],
    );
    return rows[0] && { status: rows[0].status, pausedReason: rows[0].paused_reason };
  }
}

/** Why nothing of the connection may run now, in plain words; undefined when it may. */
export function notRunning(connectionId: string, c: KnownConnection | undefined): string | undefined {
  if (!c || c.status === 'active') return undefined;
  if (c.status === 'removed') return `The connection ${connectionId} was removed: nothing of it runs any more.`;
  return `The connection ${connectionId} is paused${c.pausedReason ? ` (${c.pausedReason})` : ''}: nothing was read from Le New Black. Resume it, then run again.`;
}
