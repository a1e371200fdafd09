// What a service knows of each connection's status (active, paused, removed), learned from monitor-api's
// ConnectionChanged into a table of its own schema (`<schema>.connection_statuses`, made by its migrations): a cache of
// another service's state, kept by the connection's version, so a redelivered or older change never overwrites
// a newer one. A connection monitor-api never published (a deployment of an earlier release) counts as active.
// A service whose table has a `time_zone` column (the poller's: its schedules fire in the connection's time zone)
// asks for it with `{ timeZone: true }`; the others' tables are left as they are.
import type { ConnectionSnapshot, ConnectionStatus } from '@lnbx/contracts';
import { checkSchemaName, type Transaction } from '@lnbx/event-store';
import type { ClientBase, Pool } from 'pg';

export interface KnownConnection {
  status: ConnectionStatus;
  pausedReason: string | null;
  /** The connection's time zone as last published; only from a table that keeps it (`{ timeZone: true }`), else undefined. */
  timeZone?: string | null;
}

export interface ConnectionStatusesOptions {
  /** The table has a `time_zone` column: learn and tell the connection's time zone too. */
  timeZone?: boolean;
}

export class ConnectionStatuses {
  private readonly table: string;
  private readonly withTimeZone: boolean;

  constructor(schema: string, options: ConnectionStatusesOptions = {}) {
    this.table = `${checkSchemaName(schema)}.connection_statuses`;
    this.withTimeZone = options.timeZone ?? false;
  }

  /** The connection as published, in `tx` (with the eventId marked processed). */
  async learn(tx: Transaction, c: Pick<ConnectionSnapshot, 'id' | 'status' | 'pausedReason' | 'version'> & { timeZone?: string }): Promise<void> {
    if (this.withTimeZone) {
      await tx.query(
        `insert into ${this.table} as c (connection_id, status, paused_reason, version, time_zone) values ($1, $2, $3, $4, $5)
         on conflict (connection_id) do update set status = excluded.status, paused_reason = excluded.paused_reason, version = excluded.version,
           time_zone = excluded.time_zone, updated_at = now()
         where c.version < excluded.version`,
        [c.id, c.status, c.pausedReason, c.version, c.timeZone ?? null],
      );
      return;
    }
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
    const { rows } = await db.query<{ status: ConnectionStatus; paused_reason: string | null; time_zone?: string | null }>(
      `select status, paused_reason${this.withTimeZone ? ', time_zone' : ''} from ${this.table} where connection_id = $1`,
      [connectionId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { status: row.status, pausedReason: row.paused_reason, ...(this.withTimeZone ? { timeZone: row.time_zone ?? null } : {}) };
  }
}
