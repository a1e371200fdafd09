import { visible } from '@lnbx/http-input';
import { PG_POOL } from '@lnbx/platform';
import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiParam, ApiProduces, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { Caller, Principal, Roles, Scope, Scoped } from '../auth/auth';
import { RETRYABLE_STATES } from '../domain/documents';
import { renderLogText } from '../domain/log-lines';
import { getRun, listRuns, runDocuments, runLog, runlessLog, type RunSummary } from '../store/queries';
import { RunRequests } from './run-requests';
import { ListRunsQuery, RequestRunDto, RunLogQuery } from './runs.dto';

interface DownloadResponse {
  setHeader(name: string, value: string): void;
}

/** Every route under a run names it; the length is the API's bound for any path parameter. */
const RunIdParam = () => ApiParam({ name: 'runId', schema: { type: 'string', minLength: 1, maxLength: 256 } });

@ApiTags('runs')
@ApiSecurity('api-key')
@Scoped()
@Controller('api/runs')
export class RunsController {
  constructor(
    private readonly runs: RunRequests,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Post()
  @HttpCode(202)
  @Roles('operator')
  @ApiOperation({
    summary:
      'Request a run of one flow now ("Export invoices now"), optionally for named documents, optionally as a preview, optionally as a full re-check ("Full re-check")',
  })
  @ApiAcceptedResponse({ description: 'The run was requested; the poller starts it' })
  async request(@Scope() connection: string, @Body() body: RequestRunDto, @Caller() who: Principal): Promise<{ runId: string }> {
    if (body.fullRecheck && body.documents?.length) {
      throw new BadRequestException(['fullRecheck: a full re-check reads every document; leave documents out (a run naming documents reads exactly those)']);
    }
    const runId = await this.runs.request(connection, {
      flow: body.flow,
      mode: body.mode,
      trigger: 'manual',
      documents: body.documents,
      requestedBy: who.name,
      fullRecheck: body.fullRecheck,
    });
    return { runId };
  }

  @Get()
  @ApiOperation({ summary: 'Runs, newest first, with their document counts' })
  async list(@Scope() connection: string, @Query() q: ListRunsQuery): Promise<{ runs: RunSummary[] }> {
    return { runs: await listRuns(this.pool, connection, { flow: q.flow, status: q.status, before: q.before, limit: q.limit ?? 50 }) };
  }

  @Get('unattached-log')
  @ApiOperation({
    summary:
      "The connection's task log lines that belong to no run (dead letters, configuration changes), newest first (filter by level, code, text); " +
      'a deployment key also sees the dead letters that name no connection',
  })
  async unattached(@Scope() connection: string, @Query() q: RunLogQuery, @Caller() who: Principal): Promise<{ lines: Awaited<ReturnType<typeof runlessLog>> }> {
    return { lines: await runlessLog(this.pool, connection, { ...q, limit: q.limit ?? 200, unattributed: who.connection === null }) };
  }

  @Get(':runId')
  @RunIdParam()
  @ApiOperation({ summary: 'One run' })
  async get(@Scope() connection: string, @Param('runId') runId: string): Promise<RunSummary> {
    return this.mustExist(connection, runId);
  }

  @Get(':runId/log')
  @RunIdParam()
  @ApiOperation({ summary: "A run's task log (filter by level, code, text)" })
  async log(
    @Scope() connection: string,
    @Param('runId') runId: string,
    @Query() q: RunLogQuery,
  ): Promise<{ runId: string; lines: Awaited<ReturnType<typeof runLog>> }> {
    await this.mustExist(connection, runId);
    return { runId, lines: await runLog(this.pool, connection, runId, { ...q, limit: q.limit ?? 2000 }) };
  }

  @Get(':runId/log.txt')
  @RunIdParam()
  @ApiOperation({ summary: "A run's task log as a text file" })
  @ApiProduces('text/plain')
  async logText(
    @Scope() connection: string,
    @Param('runId') runId: string,
    @Query() q: RunLogQuery,
    @Res({ passthrough: true }) res: DownloadResponse,
  ): Promise<string> {
    const run = await this.mustExist(connection, runId);
    const lines = await runLog(this.pool, connection, runId, { ...q, limit: q.limit ?? 10_000 });
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="run-${run.number}-${run.flow}.log"`);
    // What came from LNB or Kafka is shown, never acted on: an escape sequence in a reference stays visible text.
    const head = visible(`Run ${run.number} of ${run.flow} (${run.mode ?? 'unknown mode'}), ${run.status}; id ${run.runId}`);
    return `${head}\n${renderLogText(lines)}`;
  }

  @Get(':runId/documents')
  @RunIdParam()
  @ApiOperation({ summary: 'What the run did with each document' })
  async documents(@Scope() connection: string, @Param('runId') runId: string): Promise<{ runId: string; documents: Awaited<ReturnType<typeof runDocuments>> }> {
    await this.mustExist(connection, runId);
    return { runId, documents: await runDocuments(this.pool, connection, runId) };
  }

  @Get(':runId/preview')
  @RunIdParam()
  @ApiOperation({ summary: 'What the run sends (or, in preview mode, would send) to Xero, and what it rejects with the reasons' })
  async preview(@Scope() connection: string, @Param('runId') runId: string) {
    const run = await this.mustExist(connection, runId);
    const docs = await runDocuments(this.pool, connection, runId);
    return {
      runId,
      mode: run.mode,
      status: run.status,
      wouldSend: docs
        .filter((d) => d.mapped && d.state !== 'rejected')
        .map((d) => ({ documentKey: d.documentKey, reference: d.reference, revision: d.revision, ...d.mapped })),
      wouldReject: docs
        .filter((d) => d.state === 'rejected')
        .map((d) => ({ documentKey: d.documentKey, reference: d.reference, revision: d.revision, problems: d.problems })),
      waiting: docs.filter((d) => d.state === 'detected').map((d) => ({ documentKey: d.documentKey, reference: d.reference })),
    };
  }

  @Post(':runId/retry-failed')
  @RunIdParam()
  @HttpCode(202)
  @Roles('operator')
  @ApiOperation({ summary: 'Retry every rejected or failed document of a run, in a new run' })
  async retryFailed(@Scope() connection: string, @Param('runId') runId: string, @Caller() who: Principal): Promise<{ runId: string; documents: string[] }> {
    const run = await this.mustExist(connection, runId);
    const failed = (await runDocuments(this.pool, connection, runId)).filter((d) => RETRYABLE_STATES.includes(d.state)).map((d) => d.reference);
    if (!failed.length) throw new ConflictException(`Run ${run.number} has no rejected or failed document to retry.`);
    const retry = await this.runs.request(connection, {
      flow: run.flow,
      mode: run.mode ?? 'export',
      trigger: 'retry',
      documents: failed,
      requestedBy: who.name,
    });
    return { runId: retry, documents: failed };
  }

  /** A run of another connection is one this connection has not: the same 404. */
  private async mustExist(connection: string, runId: string): Promise<RunSummary> {
    const run = await getRun(this.pool, connection, runId);
    if (!run) throw new NotFoundException(`There is no run ${runId}.`);
    return run;
  }
}
