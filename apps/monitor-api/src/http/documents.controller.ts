import { FLOWS, flowOfDocumentType, parseDocumentKey, type Flow } from '@lnbx/contracts';
import { PG_POOL } from '@lnbx/platform';
import {
  BadRequestException,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  PipeTransform,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiParam, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { Pool } from 'pg';
import { Caller, Principal, Roles, Scope, Scoped } from '../auth/auth';
import { ALLOCATION_STATES, DOCUMENT_FILTER_STATES, RETRYABLE_STATES, type AllocationState, type DocumentFilterState } from '../domain/documents';
import { SettingsCommands } from './settings-commands';
import { getDocument, listDocuments, type DocumentOut } from '../store/queries';
import { RunRequests } from './run-requests';
import { CodeQuery } from './runs.dto';
import { DayQuery, IntegerQuery } from './params';

/** How deep a page may start: past this, narrow the filter. Keeps OFFSET's cost bounded. */
const MAX_OFFSET = 1_000_000;

export class ListDocumentsQuery {
  @ApiPropertyOptional({ enum: DOCUMENT_FILTER_STATES }) @IsOptional() @IsIn(DOCUMENT_FILTER_STATES) state?: DocumentFilterState;
  @CodeQuery() code?: string;
  @ApiPropertyOptional({ type: String, maxLength: 120, description: "Part of the retailer's reference or name" })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  retailer?: string;
  @ApiPropertyOptional({ enum: FLOWS }) @IsOptional() @IsIn(FLOWS) flow?: Flow;
  @DayQuery('Document date from (YYYY-MM-DD, inclusive)') from?: string;
  @DayQuery('Document date to (YYYY-MM-DD, inclusive)') to?: string;
  @ApiPropertyOptional({
    enum: ALLOCATION_STATES,
    description: "Credit notes whose allocation to their invoice waits, is made, or cannot be made (the document's state stays exported)",
  })
  @IsOptional()
  @IsIn(ALLOCATION_STATES)
  allocation?: AllocationState;
  @IntegerQuery({ min: 1, max: 500, default: 100 }) limit?: number;
  @IntegerQuery({ min: 0, max: MAX_OFFSET, default: 0 }) offset?: number;
}

const HOLD_ACTIONS = ['hold-back', 'release'] as const;

/** A key that is not a document key is refused naming it, before anything else is looked at. */
class DocumentKeyPipe implements PipeTransform<string, string> {
  transform(key: string): string {
    if (!parseDocumentKey(key)) throw new BadRequestException(['key must be <connection>:<invoice|credit_note>:<reference>']);
    return key;
  }
}

/** An action a document does not have is a route that does not exist: a 404 naming it, before anything else is looked at. */
class HoldActionPipe implements PipeTransform<string, string> {
  transform(action: string): string {
    if (!(HOLD_ACTIONS as readonly string[]).includes(action))
      throw new NotFoundException(`There is no action ${action} on a document: use ${HOLD_ACTIONS.join(' or ')}.`);
    return action;
  }
}
const KEY_DOC = {
  name: 'key',
  description: 'The document key, <connection>:<invoice|credit_note>:<LNB reference>, URL-encoded',
  schema: { type: 'string', pattern: '^[^:]+:(invoice|credit_note):.+$', maxLength: 256 },
} as const;

@ApiTags('documents')
@ApiSecurity('api-key')
@Scoped()
@Controller('api/documents')
export class DocumentsController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly runs: RunRequests,
    private readonly settings: SettingsCommands,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      "Documents and their current state (a credit note's allocation included); filter by state (held included), allocation, code, retailer, flow and document date",
  })
  async list(@Scope() connection: string, @Query() q: ListDocumentsQuery): Promise<{ documents: DocumentOut[] }> {
    if (q.from && q.to && q.from > q.to) throw new BadRequestException(['to must not be before from']);
    return { documents: await listDocuments(this.pool, connection, { ...q, limit: q.limit ?? 100, offset: q.offset ?? 0 }) };
  }

  @Get(':key')
  @ApiParam(KEY_DOC)
  @ApiOperation({ summary: "A document's current state and its full history, across runs" })
  async get(@Scope() connection: string, @Param('key', DocumentKeyPipe) key: string) {
    const { flow, reference } = this.parse(connection, key);
    const doc = await getDocument(this.pool, connection, key, flow, reference);
    if (!doc) throw new NotFoundException(`The monitor has seen nothing of document ${key}.`);
    return doc;
  }

  @Post(':key/retry')
  @HttpCode(202)
  @Roles('operator')
  @ApiParam(KEY_DOC)
  @ApiOperation({ summary: 'Retry a rejected or failed document: a new run for it alone (trigger retry)' })
  async retry(
    @Scope() connection: string,
    @Param('key', DocumentKeyPipe) key: string,
    @Caller() who: Principal,
  ): Promise<{ runId: string; documents: string[] }> {
    const { flow, reference } = this.parse(connection, key);
    const doc = await getDocument(this.pool, connection, key, flow, reference);
    if (!doc?.state) throw new NotFoundException(`The monitor has seen nothing of document ${key}.`);
    if (!RETRYABLE_STATES.includes(doc.state))
      throw new ConflictException(`Document ${reference} is ${doc.state}: only rejected or failed documents are retried.`);
    const runId = await this.runs.request(connection, { flow, mode: 'export', trigger: 'retry', documents: [reference], requestedBy: who.name });
    return { runId, documents: [reference] };
  }

  @Post(':key/:action')
  @HttpCode(202)
  @Roles('operator')
  @ApiParam(KEY_DOC)
  @ApiParam({
    name: 'action',
    enum: HOLD_ACTIONS,
    description: "hold-back: put it on its flow's hold-back list (never exported, not even when named); release: take it off",
  })
  @ApiOperation({ summary: 'Hold a document back, or release it' })
  async hold(
    @Scope() connection: string,
    @Param('key', DocumentKeyPipe) key: string,
    @Param('action', HoldActionPipe) action: string,
    @Caller() who: Principal,
  ) {
    const { flow, reference } = this.parse(connection, key);
    return { flow, reference, status: 'requested', ...(await this.settings.holdBack(connection, flow, reference, action === 'hold-back', who.name)) };
  }

  /** A key of another connection is a document this connection has not: the same 404, nothing said of the other. */
  private parse(connection: string, key: string): { flow: Flow; reference: string } {
    const parsed = parseDocumentKey(key)!;
    if (parsed.connectionId !== connection) throw new NotFoundException(`The monitor has seen nothing of document ${key}.`);
    return { flow: flowOfDocumentType(parsed.type), reference: parsed.reference };
  }
}
