// What the poller knows of each connection's status (poller.connection_statuses, libs/messaging's ConnectionStatuses):
// a run or a firing of a connection that is paused or removed reads nothing from LNB. It keeps each connection's time
// zone too (migration 0005): a schedule that names none fires in it.
import { ConnectionStatuses, type KnownConnection } from '@lnbx/messaging';
import { PG_POOL } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { SCHEMA } from './schema';

@Injectable()
export class ConnectionStore extends ConnectionStatuses {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {
    super(SCHEMA, { timeZone: true });
  }

  /** Its status as last published; undefined for a connection monitor-api never published (active). */
  status(connectionId: string): Promise<KnownConnection | undefined> {
    return this.known(this.pool, connectionId);
  }
}

/** Why nothing of the connection may run now, in plain words; undefined when it may. */
export function notRunning(connectionId: string, c: KnownConnection | undefined): string | undefined {
  if (!c || c.status === 'active') return undefined;
  if (c.status === 'removed') return `The connection ${connectionId} was removed: nothing of it runs any more.`;
  return `The connection ${connectionId} is paused${c.pausedReason ? ` (${c.pausedReason})` : ''}: nothing was read from Le New Black. Resume it, then run again.`;
}
