// One connection's mapping (LNB tax rates, accounts, tracking and options to Xero's), which the mapper owns: read
// as the mapper last confirmed it (MappingChanged, in the monitor's journal), changed by sending it a
// MappingChangeRequested. A change is checked here with the mapper's own rules (libs/contracts mapping-config), so
// a bad one is a 400 naming each bad field rather than a message dead-lettered at the mapper.
import {
  createEnvelope,
  isCodedError,
  MappingChangeRequested,
  type MappingConfigError,
  parseMappingChange,
  parseMappingConfig,
  type MappingChange,
} from '@lnbx/contracts';
import { PG_POOL } from '@lnbx/platform';
import { BadRequestException, Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { Caller, type Principal, Roles, Scope, Scoped } from '../auth/auth';
import { ConnectionCommands } from '../handlers/connection-commands';
import { ProjectionService } from '../handlers/projection.service';

const CHANGE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['type'],
  description:
    'One change: SetTaxType {rate, taxType, country?}, RemoveTaxType {rate, country?}, SetAccount {lineKind, accountCode}, ' +
    'SetTracking {tracking}, SetOptions {options}, or Replace {config} (a whole configuration, as apps/mapper/mapping.example.json)',
  properties: {
    type: { type: 'string', enum: ['SetTaxType', 'RemoveTaxType', 'SetAccount', 'SetTracking', 'SetOptions', 'Replace'] },
    rate: { type: 'number', minimum: 0, maximum: 100, example: 21 },
    taxType: { type: 'string', maxLength: 50, example: 'OUTPUT' },
    country: { type: 'string', maxLength: 100, example: 'DE' },
    lineKind: { type: 'string', enum: ['goods', 'shipping', 'discount', 'rounding'] },
    accountCode: { type: 'string', maxLength: 10, nullable: true, example: '200' },
    tracking: { type: 'array', items: { type: 'object' } },
    options: { type: 'object' },
    config: { type: 'object' },
  },
};

export interface MappingView {
  /** The configuration as the mapper last confirmed it for this connection; null while it uses the deployment's default. */
  current: { config: Record<string, unknown>; changedBy: string; changedAt: string } | null;
}

@ApiTags('mapping')
@ApiSecurity('api-key')
@Scoped()
@Controller('api/mapping')
export class MappingController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly projection: ProjectionService,
    private readonly connections: ConnectionCommands,
  ) {}

  @Get()
  @ApiOperation({
    summary: "The connection's mapping as the mapper last confirmed it; null while the connection uses the deployment's default (MAPPING_CONFIG_FILE)",
  })
  async get(@Scope() connection: string): Promise<MappingView> {
    const { rows } = await this.pool.query<{ body: { payload: { config: Record<string, unknown>; requestedBy: string }; occurredAt: string } }>(
      `select body from monitor.journal
        where kind = 'event' and type = 'MappingChanged' and body->>'connectionId' = $1
        order by seq desc limit 1`,
      [connection],
    );
    const last = rows[0]?.body;
    return { current: last ? { config: last.payload.config, changedBy: last.payload.requestedBy, changedAt: last.occurredAt } : null };
  }

  @Post('changes')
  @HttpCode(202)
  @Roles('operator')
  @ApiBody({ schema: CHANGE_SCHEMA })
  @ApiOperation({
    summary:
      "Change the connection's mapping (operator): checked here with the mapper's rules (400 naming each bad field), then sent to the mapper, " +
      'which applies it on top of the mapping it holds and confirms with MappingChanged (GET /api/mapping)',
  })
  async change(@Scope() connection: string, @Body() body: unknown, @Caller() who: Principal): Promise<{ status: 'requested'; eventId: string }> {
    const change = checked(body);
    const env = createEnvelope(
      MappingChangeRequested.definition,
      { change: change as unknown as Record<string, unknown>, requestedBy: who.name },
      { producer: 'monitor-api', connectionId: connection, correlationId: randomUUID(), key: `${connection}:mapping` },
    );
    await this.projection.emit(`mapping-${connection}`, [env], 'any', (tx) =>
      this.connections.record(tx, connection, { type: 'RecordMappingChanged', by: who.name, at: env.occurredAt }, env.eventId),
    );
    return { status: 'requested', eventId: env.eventId };
  }
}

/** The fields each kind of change takes: any other is refused, not ignored (a field sent is a field meant). */
const FIELDS_OF: Record<MappingChange['type'], readonly string[]> = {
  SetTaxType: ['rate', 'taxType', 'country'],
  RemoveTaxType: ['rate', 'country'],
  SetAccount: ['lineKind', 'accountCode'],
  SetTracking: ['tracking'],
  SetOptions: ['options'],
  Replace: ['config'],
};

/** The change, or a 400 with every bad field by path (a Replace's whole configuration included). */
function checked(body: unknown): MappingChange {
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const { type, ...rest } = body as Record<string, unknown>;
    const allowed = typeof type === 'string' && Object.hasOwn(FIELDS_OF, type) ? FIELDS_OF[type as MappingChange['type']] : undefined;
    const extra = allowed ? Object.keys(rest).filter((k) => !allowed.includes(k)) : [];
    if (extra.length) throw new BadRequestException(extra.map((k) => `change.${k} is not a field of ${String(type)} (it takes ${allowed!.join(', ')})`));
  }
  try {
    const change = parseMappingChange(body);
    if (change.type === 'Replace') parseMappingConfig(change.config);
    return change;
  } catch (err) {
    if (isCodedError(err, 'MAP.INVALID_CHANGE') || isCodedError(err, 'MAP.INVALID_CONFIG')) throw new BadRequestException((err as MappingConfigError).errors);
    throw err;
  }
}
