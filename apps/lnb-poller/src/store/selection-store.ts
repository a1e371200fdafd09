import type { Flow, SelectionRules } from '@lnbx/contracts';
import type { Transaction } from '@lnbx/event-store';
import { PG_POOL } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DEFAULT_RULES } from '@lnbx/scheduling';

/** Selection rules per flow, as runs read them: the projection of each flow's selection-<flow> stream. */
@Injectable()
export class SelectionStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async rules(flow: Flow): Promise<SelectionRules> {
    const { rows } = await this.pool.query<{ rules: SelectionRules }>('select rules from poller.selections where flow = $1', [flow]);
    return rows[0]?.rules ?? DEFAULT_RULES;
  }

  /** Writes a flow's rules as its last SelectionChanged says, made at `changedAt`. */
  async project(tx: Transaction, flow: Flow, rules: SelectionRules, changedAt: string): Promise<void> {
    await tx.query(
      `insert into poller.selections (flow, rules, updated_at) values ($1, $2, $3)
       on conflict (flow) do update set rules = excluded.rules, updated_at = excluded.updated_at`,
      [flow, JSON.stringify(rules), changedAt],
    );
  }
}
