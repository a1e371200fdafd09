// /api/connections: create, list, read, change, pause, resume and remove connections, and hand their LNB
// credentials to the poller. Every change is an event on the connection's stream saying who made it (the
// API key's name). An id that does not exist, or could not, is a 404 that says nothing of whether it does.
import { CONNECTION_ID_PATTERN } from '@lnbx/contracts';
import { PG_POOL } from '@lnbx/platform';
import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Patch,
  Post,
  Put,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { Caller, Principal, Roles } from '../auth/auth';
import type { ConnectionCommand } from '../domain/connection';
import { ConnectionCommands, type ConnectionOutcome } from '../handlers/connection-commands';
import { type ConnectionOut, getConnection, listConnections } from '../store/connection-store';
import { ChangeConnectionDto, CreateConnectionDto, LnbCredentialsDto, PauseConnectionDto } from './connections.dto';
import { InternalCallError } from './internal-client';
import { PollerClient } from './poller-client';

const IdParam = () => ApiParam({ name: 'id', schema: { type: 'string', pattern: CONNECTION_ID_PATTERN.source }, example: 'acme-uk' });

/** The same words for an id that does not exist and one that could not: nothing said of existence. */
const notFound = () => new NotFoundException('There is no such connection.');

@ApiTags('connections')
@ApiSecurity('api-key')
@Controller('api/connections')
export class ConnectionsController {
  constructor(
    private readonly commands: ConnectionCommands,
    private readonly poller: PollerClient,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a connection (one brand: its LNB account and its Xero organisation); admin keys only; 409 when the id is taken' })
  async create(@Body() b: CreateConnectionDto, @Caller() who: Principal): Promise<{ connection: ConnectionOut }> {
    return this.outcome(
      await this.commands.apply(b.id, this.ask(who, { type: 'Create', id: b.id, name: b.name, timeZone: b.timeZone, baseCurrency: b.baseCurrency })),
    );
  }

  @Get()
  @ApiOperation({ summary: 'Every connection, removed ones included (status says which), with its Xero organisation and who changed what' })
  async list(): Promise<{ connections: ConnectionOut[] }> {
    return { connections: await listConnections(this.pool, { includeRemoved: true }) };
  }

  @Get(':id')
  @IdParam()
  @ApiOperation({ summary: 'One connection: never its LNB credentials, only when, by whom and a hint of the client id' })
  async get(@Param('id') id: string): Promise<{ connection: ConnectionOut }> {
    const connection = CONNECTION_ID_PATTERN.test(id) ? await getConnection(this.pool, id) : null;
    if (!connection) throw notFound();
    return { connection };
  }

  @Patch(':id')
  @IdParam()
  @Roles('operator')
  @ApiOperation({ summary: 'Rename a connection or change its time zone (the fields given); 409 once it is removed' })
  async change(@Param('id') id: string, @Body() b: ChangeConnectionDto, @Caller() who: Principal): Promise<{ connection: ConnectionOut }> {
    const known = this.known(id);
    const asks: ConnectionCommand[] = [];
    if (b.name !== undefined) asks.push(this.ask(who, { type: 'Rename', name: b.name }));
    if (b.timeZone !== undefined) asks.push(this.ask(who, { type: 'ChangeTimeZone', timeZone: b.timeZone }));
    if (!asks.length) throw new BadRequestException(['name at least one field to change: name, timeZone']);
    return this.outcome(await this.commands.apply(known, ...asks));
  }

  @Post(':id/pause')
  @HttpCode(200)
  @IdParam()
  @Roles('operator')
  @ApiOperation({ summary: 'Pause a connection, saying why; 409 when it is paused already or removed' })
  async pause(@Param('id') id: string, @Body() b: PauseConnectionDto, @Caller() who: Principal): Promise<{ connection: ConnectionOut }> {
    return this.outcome(await this.commands.apply(this.known(id), this.ask(who, { type: 'Pause', reason: b.reason })));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @IdParam()
  @Roles('operator')
  @ApiOperation({ summary: 'Resume a paused connection; 409 when it is not paused or removed' })
  async resume(@Param('id') id: string, @Caller() who: Principal): Promise<{ connection: ConnectionOut }> {
    return this.outcome(await this.commands.apply(this.known(id), this.ask(who, { type: 'Resume' })));
  }

  @Delete(':id')
  @IdParam()
  @Roles('admin')
  @ApiOperation({
    summary: 'Remove a connection (admin keys only): recorded, never deleted; its documents already in Xero stay there; 409 when removed already',
  })
  async remove(@Param('id') id: string, @Caller() who: Principal): Promise<{ connection: ConnectionOut }> {
    return this.outcome(await this.commands.apply(this.known(id), this.ask(who, { type: 'Remove' })));
  }

  @Put(':id/lnb-credentials')
  @IdParam()
  @Roles('operator')
  @ApiOperation({
    summary:
      "Set a connection's LNB client id and secret: checked with LNB at once (400 in LNB's words when refused), kept sealed by the poller, never returned; the connection records when, by whom and the client id's last 4 characters",
  })
  async setLnbCredentials(@Param('id') id: string, @Body() b: LnbCredentialsDto, @Caller() who: Principal): Promise<{ connection: ConnectionOut }> {
    const ask = this.ask(who, { type: 'SetLnbCredentials', clientId: b.clientId });
    // Refused before anything is sent when the connection would refuse it (unknown, removed).
    const state = await this.commands.current(this.known(id));
    if (!state.connection) throw notFound();
    if (state.connection.status === 'removed') return this.outcome(await this.commands.apply(id, ask));
    if (!this.poller.configured) {
      throw new ServiceUnavailableException(
        'Setting LNB credentials is not set up on this monitor: POLLER_INTERNAL_URL and POLLER_SERVICE_TOKEN are not set. Nothing was changed.',
      );
    }
    try {
      await this.poller.setLnbCredentials(id, { clientId: b.clientId, clientSecret: b.clientSecret });
    } catch (err) {
      const e = err instanceof InternalCallError ? err : new InternalCallError(0, 'the LNB poller did not answer');
      if (e.status === 400) throw new BadRequestException({ statusCode: 400, code: e.code ?? 'LNB.CREDENTIALS_REFUSED', message: [e.message] });
      throw new ServiceUnavailableException({
        statusCode: 503,
        code: e.status === 503 ? (e.code ?? 'LNB.UNAVAILABLE') : 'POLLER.UNAVAILABLE',
        message: `The LNB credentials were not set: ${e.message}. Nothing was changed; try again in a moment.`,
      });
    }
    return this.outcome(await this.commands.apply(id, ask));
  }

  private ask<C extends Omit<ConnectionCommand, 'by' | 'at'>>(who: Principal, command: C): ConnectionCommand {
    return { ...command, by: who.name, at: new Date().toISOString() } as ConnectionCommand;
  }

  /** An id that could not exist is not looked up: the same 404 as one that does not. */
  private known(id: string): string {
    if (!CONNECTION_ID_PATTERN.test(id)) throw notFound();
    return id;
  }

  private outcome(o: ConnectionOutcome): { connection: ConnectionOut } {
    if (o.ok) return { connection: o.connection! };
    switch (o.code) {
      case 'CONNECTION.NOT_FOUND':
        throw notFound();
      case 'CONNECTION.INVALID':
        throw new BadRequestException({ statusCode: 400, code: o.code, message: [o.message] });
      default:
        throw new ConflictException({ statusCode: 409, code: o.code, message: o.message });
    }
  }
}
