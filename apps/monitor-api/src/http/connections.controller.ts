// /api/connections: create, list, read, change, pause, resume and remove connections, hand their LNB
// credentials to the poller, and manage each connection's API keys. Every change is an event on the connection's
// stream saying who made it (the API key's name). An id that does not exist, could not, or is not the caller's
// (a brand's key sees its own connection only) is a 404 that says nothing of whether it does.
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
import { Caller, noSuchConnection, Principal, Roles } from '../auth/auth';
import type { ConnectionCommand } from '../domain/connection';
import { ConnectionCommands, type ConnectionOutcome } from '../handlers/connection-commands';
import { type ConnectionOut, getConnection, listConnections } from '../store/connection-store';
import { createApiKey, type KeyOut, listApiKeys, revokeApiKey } from '../store/api-keys.repository';
import { ChangeConnectionDto, CreateConnectionDto, CreateKeyDto, KEY_NAME_PATTERN, LnbCredentialsDto, PauseConnectionDto } from './connections.dto';
import { InternalCallError } from './internal-client';
import { PollerClient } from './poller-client';

const IdParam = () => ApiParam({ name: 'id', schema: { type: 'string', pattern: CONNECTION_ID_PATTERN.source }, example: 'acme-uk' });

/** The same words for an id that does not exist, one that could not and one not the caller's: nothing said of existence. */
const notFound = noSuchConnection;
const KeyNameParam = () => ApiParam({ name: 'name', schema: { type: 'string', pattern: KEY_NAME_PATTERN.source } });

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
  @ApiOperation({
    summary: "Every connection, removed ones included (status says which), with its Xero organisation and who changed what; a brand's key lists its own only",
  })
  async list(@Caller() who: Principal): Promise<{ connections: ConnectionOut[] }> {
    if (who.connection !== null) {
      const own = await getConnection(this.pool, who.connection);
      return { connections: own ? [own] : [] };
    }
    return { connections: await listConnections(this.pool, { includeRemoved: true }) };
  }

  @Get(':id')
  @IdParam()
  @ApiOperation({ summary: 'One connection: never its LNB credentials, only when, by whom and a hint of the client id' })
  async get(@Param('id') id: string, @Caller() who: Principal): Promise<{ connection: ConnectionOut }> {
    const connection = await getConnection(this.pool, this.known(id, who));
    if (!connection) throw notFound();
    return { connection };
  }

  @Patch(':id')
  @IdParam()
  @Roles('operator')
  @ApiOperation({ summary: 'Rename a connection or change its time zone (the fields given); 409 once it is removed' })
  async change(@Param('id') id: string, @Body() b: ChangeConnectionDto, @Caller() who: Principal): Promise<{ connection: ConnectionOut }> {
    const known = this.known(id, who);
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
    return this.outcome(await this.commands.apply(this.known(id, who), this.ask(who, { type: 'Pause', reason: b.reason })));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @IdParam()
  @Roles('operator')
  @ApiOperation({ summary: 'Resume a paused connection; 409 when it is not paused or removed' })
  async resume(@Param('id') id: string, @Caller() who: Principal): Promise<{ connection: ConnectionOut }> {
    return this.outcome(await this.commands.apply(this.known(id, who), this.ask(who, { type: 'Resume' })));
  }

  @Delete(':id')
  @IdParam()
  @Roles('admin')
  @ApiOperation({
    summary: 'Remove a connection (admin keys only): recorded, never deleted; its documents already in Xero stay there; 409 when removed already',
  })
  async remove(@Param('id') id: string, @Caller() who: Principal): Promise<{ connection: ConnectionOut }> {
    return this.outcome(await this.commands.apply(this.known(id, who), this.ask(who, { type: 'Remove' })));
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
    const state = await this.commands.current(this.known(id, who));
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

  @Post(':id/keys')
  @IdParam()
  @Roles('admin')
  @ApiOperation({
    summary:
      'Create an API key of the connection (admin keys only): a viewer or an operator of that brand, who sees and acts on that connection only. The key is in this answer only (it is stored hashed); 409 when the name is taken or the connection is removed',
  })
  async createKey(@Param('id') id: string, @Body() b: CreateKeyDto, @Caller() who: Principal): Promise<{ key: KeyOut & { key: string } }> {
    const connection = await getConnection(this.pool, this.known(id, who));
    if (!connection) throw notFound();
    if (connection.status === 'removed')
      throw new ConflictException({ statusCode: 409, code: 'CONNECTION.REMOVED', message: `The connection ${id} was removed: it gets no new keys.` });
    const created = await createApiKey(this.pool, { name: b.name, role: b.role, connectionId: id });
    if (!created) throw new ConflictException(`A key named ${b.name} exists already (revoked ones included): choose another name.`);
    return { key: { name: created.name, role: created.role, connectionId: id, createdAt: created.createdAt, revokedAt: null, key: created.key } };
  }

  @Get(':id/keys')
  @IdParam()
  @Roles('admin')
  @ApiOperation({ summary: "The connection's API keys (admin keys only): names, roles, when created and revoked; never a key or its hash" })
  async listKeys(@Param('id') id: string, @Caller() who: Principal): Promise<{ keys: KeyOut[] }> {
    if (!(await getConnection(this.pool, this.known(id, who)))) throw notFound();
    return { keys: await listApiKeys(this.pool, id) };
  }

  @Delete(':id/keys/:name')
  @IdParam()
  @KeyNameParam()
  @Roles('admin')
  @ApiOperation({
    summary: 'Revoke a key of the connection (admin keys only): refused from its next request on, by every instance; 404 when it has no such active key',
  })
  async revokeKey(@Param('id') id: string, @Param('name') name: string, @Caller() who: Principal): Promise<{ revoked: string }> {
    this.known(id, who);
    if (!KEY_NAME_PATTERN.test(name) || !(await revokeApiKey(this.pool, name, id))) throw new NotFoundException('The connection has no such active key.');
    return { revoked: name };
  }

  private ask<C extends Omit<ConnectionCommand, 'by' | 'at'>>(who: Principal, command: C): ConnectionCommand {
    return { ...command, by: who.name, at: new Date().toISOString() } as ConnectionCommand;
  }

  /** An id that could not exist, or is not the caller's (a brand's key), is not looked up: the same 404 as one that does not. */
  private known(id: string, who: Principal): string {
    if (!CONNECTION_ID_PATTERN.test(id)) throw notFound();
    if (who.connection !== null && who.connection !== id) throw notFound();
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
