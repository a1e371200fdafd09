import type { Flow, SelectionRules } from '@lnbx/contracts';
import type { Transaction } from '@lnbx/event-store';
import { PG_POOL } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DEFAULT_RULES } from '@lnbx/scheduling';

/** Selection rules per connection and flow, as runs read them: the projection of each selection-<connection>-<flow> stream. */
@Injectable()
export class SelectionStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async rules(connectionId: string, flow: Flow): Promise<SelectionRules> {
    const { rows } = await this.pool.query<{ rules: SelectionRules }>('select rules from poller.selections where connection_id = $1 and flow = $2', [
      connectionId,
      flow,
    ]);
    return rows[0]?.rules ?? DEFAULT_RULES;
  }

  /** Writes a connection's flow's rules as its last SelectionChanged says, made at `changedAt`. */
  async project(tx: Transaction, connectionId: string, flow: Flow, rules: SelectionRules, changedAt: string): Promise<void> {
    await tx.query(
      `insert into poller.selections (connection_id, flow, rules, updated_at) values ($1, $2, $3, $4)
       on conflict (connection_id, flow) do update set rules = excluded.rules, updated_at = excluded.updated_at`,
      [connectionId, flow, JSON.stringify(rules), changedAt],
    );
  }
}
