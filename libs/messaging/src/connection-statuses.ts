// What a service knows of each connection's status (active, paused, removed), learned from monitor-api's
// ConnectionChanged into a table of its own schema (`<schema>.connection_statuses`, made by its migrations): a cache of
// another service's state, kept by the connection's version, so a redelivered or older change never overwrites
// a newer one. A connection monitor-api never published (a deployment of an earlier release) counts as active.
import type { ConnectionSnapshot, ConnectionStatus } from '@lnbx/contracts';
import { checkSchemaName, type Transaction } from '@lnbx/event-store';
import type { ClientBase, Pool } from 'pg';

export interface KnownConnection {
  status: ConnectionStatus;
  pausedReason: string | null;
}

export class ConnectionStatuses {
  private readonly table: string;

  constructor(schema: string) {
    this.table = `${checkSchemaName(schema)}.connection_statuses`;
  }

  /** The connection as published, in `tx` (with the eventId marked processed). */
  async learn(tx: Transaction, c: Pick<ConnectionSnapshot, 'id' | 'status' | 'pausedReason' | 'version'>): Promise<void> {
    await tx.query(
      `insert into ${this.table} as c (connection_id, status, paused_reason, version) values ($1, $2, $3, $4)
       on conflict (connection_id) do update set status = excluded.status, paused_reason = excluded.paused_reason, version = excluded.version,
         updated_at = now()
       where c.version < excluded.version`,
      [c.id, c.status, c.pausedReason, c.version],
    );
  }

  /** Its status as last published; undefined when never published. */
  async known(db: Pool | ClientBase, connectionId: string): Promise<KnownConnection | undefined> {
    const { rows } = await db.query<{ status: ConnectionStatus; paused_reason: string | null }>(
      `select status, paused_reason from ${this.table} where connection_id = $1`,
      [connectionId],
    );
    return rows[0] && { status: rows[0].status, pausedReason: rows[0].paused_reason };
  }
}
