// What monitor-api asks of the exporter when an operator connects Xero (behind ServiceTokenGuard): the
// consent link built from this app's client id, scopes and redirect URI for a state and PKCE challenge the
// monitor made, the exchange of the code Xero sent back, the organisation picked when a consent gave several,
// and "Disconnect" (at Xero, then here). The client secret and the tokens never leave
// this service; the connection's new state goes out as XeroConnectionChanged, as every change of it does.
import { CONNECTION_ID_PATTERN } from '@lnbx/contracts';
import { ConnectionStatuses } from '@lnbx/messaging';
import { PG_POOL } from '@lnbx/platform';
import { BadRequestException, Body, ConflictException, Controller, HttpCode, Inject, Post, ServiceUnavailableException, ValidationPipe } from '@nestjs/common';
import { IsString, Length, Matches } from 'class-validator';
import type { Pool } from 'pg';
import { ExporterConfig } from '../config';
import { type Completed, ConnectionError, ConnectionService, type Disconnected, type Picked } from '../xero/connections';
import { IdentityError } from '../xero/errors';

/** A connection id as monitor-api makes them. */
const CONNECTION_ID = CONNECTION_ID_PATTERN;

export class AuthorizeUrlRequest {
  @Matches(CONNECTION_ID, { message: 'connectionId must be lowercase letters, digits and dashes' })
  connectionId!: string;

  /** At least 128 random bits, base64url. */
  @Matches(/^[A-Za-z0-9_-]{22,128}$/, { message: 'state must be 22 to 128 base64url characters' })
  state!: string;

  /** base64url(SHA-256(code_verifier)): always 43 characters (the S256 method, the only one sent). */
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'codeChallenge must be an S256 challenge: 43 base64url characters' })
  codeChallenge!: string;
}

export class ExchangeRequest {
  @Matches(CONNECTION_ID, { message: 'connectionId must be lowercase letters, digits and dashes' })
  connectionId!: string;

  @IsString()
  @Length(1, 512)
  code!: string;

  /** RFC 7636: 43 to 128 unreserved characters. */
  @Matches(/^[A-Za-z0-9._~-]{43,128}$/, { message: 'codeVerifier must be 43 to 128 characters of A-Z a-z 0-9 . _ ~ -' })
  codeVerifier!: string;
}

export class DisconnectRequest {
  @Matches(CONNECTION_ID, { message: 'connectionId must be lowercase letters, digits and dashes' })
  connectionId!: string;

  /** The API key's name that pressed "Disconnect" (the audit trail's "who"). */
  @IsString()
  @Length(1, 200)
  by!: string;
}

export class PickRequest {
  @Matches(CONNECTION_ID, { message: 'connectionId must be lowercase letters, digits and dashes' })
  connectionId!: string;

  /** One of the organisations the consent gave (Xero's tenant id: a GUID). */
  @Matches(/^[A-Za-z0-9-]{1,64}$/, { message: "tenantId must be a Xero organisation's id (letters, digits and dashes, at most 64)" })
  tenantId!: string;

  /** The API key's name that picked it (the audit trail's "who"). */
  @IsString()
  @Length(1, 200)
  by!: string;
}

/** A field missing, extra or malformed is a 400 naming it. */
const BODY = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true });

@Controller('internal/xero')
export class InternalXeroController {
  constructor(
    private readonly connections: ConnectionService,
    private readonly config: ExporterConfig,
    private readonly statuses: ConnectionStatuses,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Post('authorize-url')
  @HttpCode(200)
  async authorizeUrl(@Body(BODY) body: AuthorizeUrlRequest): Promise<{ url: string; redirectUri: string }> {
    await this.servable(body.connectionId);
    return this.connections.authorizeUrl(body.state, body.codeChallenge);
  }

  @Post('exchange')
  @HttpCode(200)
  async exchange(@Body(BODY) body: ExchangeRequest): Promise<Completed> {
    await this.servable(body.connectionId);
    try {
      return await this.connections.complete(body.connectionId, body.code, body.codeVerifier);
    } catch (err) {
      if (err instanceof ConnectionError) throw new ConflictException({ statusCode: 409, code: err.code, message: err.message });
      if (err instanceof IdentityError && err.kind === 'unavailable')
        throw new ServiceUnavailableException({ statusCode: 503, code: 'XERO.UNAVAILABLE', message: err.message });
      throw err;
    }
  }

  /**
   * "Use this organisation" pressed in the Integration Center by `by` (monitor-api checked the key may), while the
   * connection waits for a choice: connected to it, the consent's other organisations let go of at Xero. 409 when
   * it is not waiting for a choice (or the consent is gone at Xero), 400 when the organisation is not one the
   * consent gave; 503 when Xero did not answer (nothing changed).
   */
  @Post('organisation')
  @HttpCode(200)
  async pick(@Body(BODY) body: PickRequest): Promise<Picked> {
    await this.servable(body.connectionId);
    let done: Awaited<ReturnType<ConnectionService['pick']>>;
    try {
      done = await this.connections.pick(body.connectionId, body.tenantId, body.by);
    } catch (err) {
      if (err instanceof IdentityError && err.kind === 'unavailable')
        throw new ServiceUnavailableException({ statusCode: 503, code: 'XERO.UNAVAILABLE', message: err.message });
      throw err;
    }
    if (!('refused' in done)) return done;
    if (done.refused === 'not_offered') throw new BadRequestException(done.message);
    throw new ConflictException(done.message);
  }

  /**
   * "Disconnect" pressed in the Integration Center by `by` (monitor-api checked the key may): disconnected at Xero,
   * the consent revoked, the documents left waiting. 409 when it is not connected (or is a custom connection,
   * which is ended in Xero's developer portal); 503 when Xero did not answer (nothing changed).
   */
  @Post('disconnect')
  @HttpCode(200)
  async disconnect(@Body(BODY) body: DisconnectRequest): Promise<Disconnected> {
    let done: Awaited<ReturnType<ConnectionService['disconnect']>>;
    try {
      done = await this.connections.disconnect(body.connectionId, body.by);
    } catch (err) {
      if (err instanceof IdentityError && err.kind === 'unavailable')
        throw new ServiceUnavailableException({ statusCode: 503, code: 'XERO.UNAVAILABLE', message: err.message });
      throw err;
    }
    if (done === 'not_connected') throw new ConflictException(`connection ${body.connectionId} is not connected to Xero: there is nothing to disconnect`);
    if (done === 'custom_connection') {
      throw new ConflictException(
        "this exporter uses a Xero custom connection (XERO_GRANT=client_credentials): it is ended in Xero's developer portal, not here",
      );
    }
    return done;
  }

  /**
   * Any connection but a removed one (a connection monitor-api never published counts as active, as everywhere),
   * and only with the grant that has a consent.
   */
  private async servable(connectionId: string): Promise<void> {
    if ((await this.statuses.known(this.pool, connectionId))?.status === 'removed') {
      throw new ConflictException({
        statusCode: 409,
        code: 'CONNECTION.REMOVED',
        message: `connection ${connectionId} was removed: it cannot be connected to Xero`,
      });
    }
    if (this.config.xeroGrant !== 'authorization_code') {
      throw new ConflictException('this exporter uses a Xero custom connection (XERO_GRANT=client_credentials): there is nothing to authorise');
    }
  }
}
