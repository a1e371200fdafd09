// The setup checklist of the connection (issue 13 part 1): what is left before its documents flow, read from what
// the monitor already knows (the connection's record, the Xero connection, runs, documents and schedules); the
// Integration Center shows it until every step is done.
import { type ErrorCode, FLOWS, type Flow } from '@lnbx/contracts';
import { PG_POOL } from '@lnbx/platform';
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { Scope, Scoped } from '../auth/auth';
import { MAPPING_CODES, type SetupChecklist, setupChecklist } from '../domain/setup';
import { getConnection } from '../store/connection-store';
import { flowSettings, xeroConnectionOf } from '../store/queries';

@ApiTags('connections')
@ApiSecurity('api-key')
@Scoped()
@Controller('api/setup')
export class SetupController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @ApiOperation({
    summary:
      "The connection's setup checklist: LNB credentials (checked with LNB when set), Xero connected, the mapping complete (no document rejected for something it decides), a schedule chosen per flow, a first preview run; each step done or what to do next",
  })
  async checklist(@Scope() connection: string): Promise<SetupChecklist> {
    const [record, xero, mapping, preview, ...settings] = await Promise.all([
      getConnection(this.pool, connection),
      xeroConnectionOf(this.pool, connection),
      this.mapping(connection),
      this.lastPreview(connection),
      ...FLOWS.map((flow) => flowSettings(this.pool, connection, flow)),
    ]);
    const schedules = Object.fromEntries(
      settings.map((s) => {
        const v = (s.pendingSchedule ?? s.schedule)?.value;
        return [s.flow, v ? { enabled: v.enabled, cron: v.cron ?? null, timeZone: v.timeZone ?? null } : null];
      }),
    ) as Record<Flow, { enabled: boolean; cron: string | null; timeZone: string | null } | null>;
    return setupChecklist({
      connection: record,
      xero: xero.state ? { status: xero.state.status, tenantName: xero.state.tenantName } : null,
      ...mapping,
      schedules,
      preview,
    });
  }

  /**
   * What the mapping did with the brand's documents: those of its latest completed run (a preview after a mapping
   * change says whether it now holds), and those of earlier exports still rejected (they pass once retried). A
   * document rejected for several codes counts under each.
   */
  private async mapping(connection: string): Promise<{ mapped: number; rejectedForMapping: Partial<Record<ErrorCode, number>> }> {
    const latest = await this.pool.query<{ run_id: string }>(
      `select run_id from monitor.runs where connection_id = $1 and status = 'completed' order by ended_at desc nulls last, number desc limit 1`,
      [connection],
    );
    const runId = latest.rows[0]?.run_id ?? null;
    const [mapped, rejected] = await Promise.all([
      this.pool.query<{ n: number }>(
        `select count(*)::int as n from (
           select document_key from monitor.run_documents where connection_id = $1 and run_id = $2 and state <> 'detected'
           union select document_key from monitor.documents where connection_id = $1 and state <> 'detected') d`,
        [connection, runId],
      ),
      this.pool.query<{ code: ErrorCode; n: number }>(
        `select code, count(distinct document_key)::int as n from (
           select rd.document_key, p->>'code' as code
             from monitor.run_documents rd, jsonb_array_elements(coalesce(rd.view->'problems', '[]'::jsonb)) p
            where rd.connection_id = $1 and rd.run_id = $2 and rd.state = 'rejected'
           union all
           select d.document_key, c as code from monitor.documents d, unnest(d.codes) c where d.connection_id = $1 and d.state = 'rejected') r
          where code = any($3::text[])
          group by code order by code`,
        [connection, runId, MAPPING_CODES],
      ),
    ]);
    return { mapped: mapped.rows[0].n, rejectedForMapping: Object.fromEntries(rejected.rows.map((r) => [r.code, r.n])) };
  }

  /** The latest preview run that completed, and what it found. */
  private async lastPreview(connection: string): Promise<{ flow: Flow; endedAt: string; wouldSend: number; wouldReject: number } | null> {
    const { rows } = await this.pool.query<{ flow: Flow; ended_at: Date; would_send: number; would_reject: number }>(
      `select r.flow, r.ended_at,
              (select count(*)::int from monitor.run_documents rd where rd.connection_id = r.connection_id and rd.run_id = r.run_id and rd.state = 'mapped') as would_send,
              (select count(*)::int from monitor.run_documents rd where rd.connection_id = r.connection_id and rd.run_id = r.run_id and rd.state = 'rejected') as would_reject
         from monitor.runs r
        where r.connection_id = $1 and r.mode = 'preview' and r.status = 'completed'
        order by r.ended_at desc nulls last, r.number desc limit 1`,
      [connection],
    );
    const r = rows[0];
    return r ? { flow: r.flow, endedAt: (r.ended_at ?? new Date()).toISOString(), wouldSend: r.would_send, wouldReject: r.would_reject } : null;
  }
}
