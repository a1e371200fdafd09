// The Xero connection panel's API: the connection in plain words, as the exporter's events told it, and the
// connect flow. An operator's POST /api/xero/connect makes an authorization request (a random single-use
// state, a PKCE verifier, a cookie that binds the browser) and gets Xero's consent link from the exporter;
// Xero sends the browser back to GET /api/xero/callback (XERO_REDIRECT_URI, on the exporter), which checks
// the request, has the exporter exchange the code, and sends the browser back to the Integration Center
// with the outcome. A consent that gave several organisations connects none: the operator picks one
// (POST /api/xero/organisation). The connection's new state still reaches the monitor as XeroConnectionChanged.
import { redact } from '@lnbx/contracts';
import { JsonLogger, PG_POOL } from '@lnbx/platform';
import {
  BadGatewayException,
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Post,
  Query,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { ServerResponse } from 'node:http';
import type { Pool } from 'pg';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Caller, Principal, Public, Roles, Scope, Scoped } from '../auth/auth';
import {
  AUTHORIZATION_TTL_MS,
  choosingOutcome,
  connectedOutcome,
  cookieValue,
  failedOutcome,
  hashOf,
  newAuthorization,
  NONCE_COOKIE,
  type Outcome,
  OUTCOME_COOKIE,
  type Refusal,
  refusalMessage,
  setCookie,
  whyRefused,
  xeroRefusalMessage,
} from '../domain/xero-connect';
import { describeXero, type XeroStatus } from '../domain/xero-status';
import { xeroConnectionOf } from '../store/queries';
import { finishAuthorization, findAuthorization, saveAuthorization, takeAuthorization } from '../store/xero-authorizations';
import { ExporterCallError, ExporterClient } from './exporter-client';

/** Where Xero must send the browser back: this controller's callback, under whatever prefix a proxy adds. */
const CALLBACK_PATH = '/api/xero/callback';

/** The redirect URI read as this service's callback, or undefined when it is not one. */
function callbackUrl(redirectUri: string): URL | undefined {
  try {
    const url = new URL(redirectUri);
    return url.pathname.endsWith(CALLBACK_PATH) && !url.search && !url.hash ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The Integration Center beside the callback (`<prefix>/`), where the browser goes back. */
const integrationCenterOf = (redirectUri: string): URL => new URL('../../', redirectUri);

/** What Xero's redirect may carry (RFC 6749 4.1.2, OpenID's session_state, RFC 9207's iss); anything else is refused. */
export class XeroCallbackQuery {
  @ApiPropertyOptional({ type: String, maxLength: 512, description: "Xero's authorization code (single-use, minutes)" })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  code?: string;

  @ApiPropertyOptional({ type: String, maxLength: 128, description: 'The state of the authorization request POST /api/xero/connect made' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  state?: string;

  @ApiPropertyOptional({ type: String, pattern: '^[A-Za-z0-9_.-]{1,100}$', description: "Xero's error code, e.g. access_denied when the consent was refused" })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/, { message: 'error must be an OAuth error code (letters, digits, _ . -; at most 100)' })
  error?: string;

  @ApiPropertyOptional({ type: String, maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  error_description?: string;

  @ApiPropertyOptional({ type: String, maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  error_uri?: string;

  @ApiPropertyOptional({ type: String, maxLength: 1000, description: 'The scopes granted, as Xero lists them' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  scope?: string;

  @ApiPropertyOptional({ type: String, maxLength: 512 })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  session_state?: string;

  @ApiPropertyOptional({ type: String, maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  iss?: string;
}

const REFUSED_PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export class ConnectAnswer {
  @ApiProperty({ description: "Xero's consent page for this request: open it in the same browser" }) authorizeUrl!: string;
  @ApiProperty({ format: 'date-time', description: 'The request expires then (10 minutes)' }) expiresAt!: string;
}

/** A Xero organisation's id, as /connections gives it (a GUID). */
const TENANT_ID = /^[A-Za-z0-9-]{1,64}$/;

export class PickOrganisationDto {
  @ApiProperty({
    pattern: TENANT_ID.source,
    description: "The organisation's Xero id: one of those GET /api/xero/status lists in state.organisations while the status is choosing",
  })
  @IsString()
  @Matches(TENANT_ID, { message: "tenantId must be a Xero organisation's id (letters, digits and dashes, at most 64)" })
  tenantId!: string;
}

export class PickAnswer {
  @ApiProperty({ description: 'What was done, in plain words' }) message!: string;
  @ApiProperty() xeroTenantId!: string;
  @ApiProperty() tenantName!: string;
}

export class DisconnectAnswer {
  @ApiProperty({ description: 'What was done, in plain words' }) message!: string;
  @ApiProperty({ description: 'Documents that now wait for a connection' }) waitingDocuments!: number;
}

@ApiTags('xero')
@Controller('api/xero')
export class XeroController {
  private readonly logger: JsonLogger;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly exporter: ExporterClient,
    logger: JsonLogger,
  ) {
    this.logger = logger.child({ component: 'xero-connect' });
  }

  @Get('status')
  @ApiSecurity('api-key')
  @Scoped()
  @ApiOperation({ summary: 'Whether the Xero exporter is connected to Xero, in plain words, as its events told it (XeroConnectionChanged, Lost, Restored)' })
  async status(@Scope() connectionId: string): Promise<XeroStatus> {
    const { state, history } = await xeroConnectionOf(this.pool, connectionId);
    return describeXero(state, history);
  }

  @Post('connect')
  @Roles('operator')
  @ApiSecurity('api-key')
  @Scoped()
  @HttpCode(201)
  @ApiCreatedResponse({ type: ConnectAnswer })
  @ApiOperation({
    summary:
      "Starts connecting this connection's Xero organisation (operator): an authorization request valid for 10 minutes, bound to this " +
      'API key, the connection, a PKCE verifier and this browser (an HttpOnly cookie for the callback). Answers the consent link to open in ' +
      'the same browser; Xero then sends it to GET /api/xero/callback. 409 when the exporter uses a custom connection (nothing to ' +
      'authorise); 503 when EXPORTER_INTERNAL_URL is not set; 502 when the exporter did not give a link.',
  })
  async connect(@Scope() connectionId: string, @Caller() caller: Principal, @Res({ passthrough: true }) res: ServerResponse): Promise<ConnectAnswer> {
    if (!this.exporter.configured) {
      throw new ServiceUnavailableException('Connecting to Xero is not set up on this monitor: EXPORTER_INTERNAL_URL and EXPORTER_SERVICE_TOKEN are not set.');
    }
    const { state } = await xeroConnectionOf(this.pool, connectionId);
    if (state?.grant === 'client_credentials') {
      throw new ConflictException(
        'The Xero exporter uses a Xero custom connection (XERO_GRANT=client_credentials): there is nothing to authorise, it connects by itself.',
      );
    }
    const request = newAuthorization();
    let link: { url: string; redirectUri: string };
    try {
      link = await this.exporter.authorizeUrl({ connectionId, state: request.state, codeChallenge: request.codeChallenge });
    } catch (err) {
      if (err instanceof ExporterCallError && err.status === 409) throw new ConflictException(err.message);
      throw new BadGatewayException(`The Xero exporter gave no consent link: ${err instanceof ExporterCallError ? err.message : 'no answer'}.`);
    }
    const callback = callbackUrl(link.redirectUri);
    if (!callback) {
      throw new BadGatewayException(
        `The exporter's XERO_REDIRECT_URI must be this monitor's ${CALLBACK_PATH} as a browser reaches it; it is ${link.redirectUri}.`,
      );
    }
    const expiresAt = new Date(Date.now() + AUTHORIZATION_TTL_MS);
    await saveAuthorization(this.pool, {
      stateHash: hashOf(request.state),
      browserHash: hashOf(request.nonce),
      connectionId,
      requestedBy: caller.name,
      redirectUri: link.redirectUri,
      codeVerifier: request.codeVerifier,
      expiresAt,
    });
    res.setHeader(
      'Set-Cookie',
      setCookie(NONCE_COOKIE, request.nonce, {
        path: callback.pathname,
        maxAgeSeconds: AUTHORIZATION_TTL_MS / 1000,
        secure: callback.protocol === 'https:',
        httpOnly: true,
      }),
    );
    res.setHeader('Cache-Control', 'no-store');
    this.logger.info('xero connection requested', { connectionId, requestedBy: caller.name, expiresAt: expiresAt.toISOString() });
    return { authorizeUrl: link.url, expiresAt: expiresAt.toISOString() };
  }

  @Post('disconnect')
  @Roles('operator')
  @ApiSecurity('api-key')
  @Scoped()
  @HttpCode(200)
  @ApiOkResponse({ type: DisconnectAnswer })
  @ApiOperation({
    summary:
      "Disconnects this connection's Xero organisation (operator; the page asks first): the exporter disconnects it at Xero " +
      '(DELETE /connections/{id}) and revokes the consent, then drops the tokens. Documents wait until someone connects again; ' +
      'the panel says who disconnected it (XeroConnectionChanged). 409 when not connected (or a Xero custom connection, ended in ' +
      "Xero's developer portal); 503 when Xero or the exporter did not answer (nothing changed: press again).",
  })
  async disconnect(@Scope() connectionId: string, @Caller() caller: Principal): Promise<DisconnectAnswer> {
    if (!this.exporter.configured) {
      throw new ServiceUnavailableException('Disconnecting Xero is not set up on this monitor: EXPORTER_INTERNAL_URL and EXPORTER_SERVICE_TOKEN are not set.');
    }
    // As the exporter last told it: a custom connection or one not connected has nothing to disconnect (the exporter would say so too).
    const { state } = await xeroConnectionOf(this.pool, connectionId);
    if (state?.grant === 'client_credentials') {
      throw new ConflictException(
        "The Xero exporter uses a Xero custom connection (XERO_GRANT=client_credentials): it is ended in Xero's developer portal, not here.",
      );
    }
    // Waiting for an organisation to be picked holds a consent too: it is revoked the same way.
    if (state && state.status !== 'connected' && state.status !== 'choosing')
      throw new ConflictException('This connection is not connected to Xero: there is nothing to disconnect.');
    let done: { tenantName: string | null; xeroTenantId: string | null; waitingDocuments: number };
    try {
      done = await this.exporter.disconnect({ connectionId, by: caller.name });
    } catch (err) {
      if (err instanceof ExporterCallError && err.status === 409) throw new ConflictException(`${err.message.replace(/\.?$/, '.')}`);
      // The exporter said Xero did not answer: it changed nothing. No answer at all: it may still have done it.
      if (err instanceof ExporterCallError && err.status === 503)
        throw new ServiceUnavailableException(`Nothing was disconnected: ${err.message.replace(/\.?$/, '')}.`);
      throw new ServiceUnavailableException(
        'The Xero exporter did not answer in time: the organisation may have been disconnected all the same. The panel shows the state in a moment; press again if it still says connected.',
      );
    }
    const organisation = done.tenantName || done.xeroTenantId;
    this.logger.info('xero disconnected by an operator', { connectionId, by: caller.name, waitingDocuments: done.waitingDocuments });
    const waiting = done.waitingDocuments === 1 ? '1 document waits' : `${done.waitingDocuments} documents wait`;
    return {
      message: `Disconnected from Xero${organisation ? ` (${organisation})` : ''}. Nothing more is sent to Xero; ${waiting} until someone connects again.`,
      waitingDocuments: done.waitingDocuments,
    };
  }

  @Post('organisation')
  @Roles('operator')
  @ApiSecurity('api-key')
  @Scoped()
  @HttpCode(200)
  @ApiOkResponse({ type: PickAnswer })
  @ApiOperation({
    summary:
      "Picks this connection's Xero organisation (operator) when a consent gave access to several (GET /api/xero/status says choosing " +
      "and lists them): the exporter connects to it, documents go there from then on, and the consent's other organisations are " +
      'disconnected at Xero unless another connection here uses them. The connection records who picked it. 400 naming tenantId when ' +
      'it is not one of those offered; 409 when the connection is not waiting for a choice (or the consent is gone at Xero: connect ' +
      'again); 503 when EXPORTER_INTERNAL_URL is not set, or Xero or the exporter did not answer (nothing changed: press again).',
  })
  async pick(@Scope() connectionId: string, @Body() body: PickOrganisationDto, @Caller() caller: Principal): Promise<PickAnswer> {
    if (!this.exporter.configured) {
      throw new ServiceUnavailableException(
        'Picking a Xero organisation is not set up on this monitor: EXPORTER_INTERNAL_URL and EXPORTER_SERVICE_TOKEN are not set.',
      );
    }
    // As the exporter last told it; the exporter checks again, under its own lock.
    const { state } = await xeroConnectionOf(this.pool, connectionId);
    if (state?.status !== 'choosing') {
      throw new ConflictException('This connection is not waiting for a Xero organisation to be picked: "Connect to Xero" asks Xero for access first.');
    }
    const offered = state.organisations ?? [];
    if (!offered.some((o) => o.tenantId.toLowerCase() === body.tenantId.toLowerCase())) {
      throw new BadRequestException([
        `tenantId must be one of the organisations Xero gave access to: ${offered.map((o) => `${o.tenantName} (${o.tenantId})`).join(', ')}`,
      ]);
    }
    let done: { xeroTenantId: string; tenantName: string; released: string[]; keptForOthers: string[] };
    try {
      done = await this.exporter.pick({ connectionId, tenantId: body.tenantId, by: caller.name });
    } catch (err) {
      if (err instanceof ExporterCallError && err.status === 409) throw new ConflictException(`${err.message.replace(/\.?$/, '.')}`);
      if (err instanceof ExporterCallError && err.status === 400) throw new BadRequestException([err.message]);
      if (err instanceof ExporterCallError && err.status === 503)
        throw new ServiceUnavailableException(`No organisation was picked: ${err.message.replace(/\.?$/, '')}.`);
      throw new ServiceUnavailableException(
        'The Xero exporter did not answer in time: the organisation may have been picked all the same. The panel shows the state in a moment; pick again if it still asks.',
      );
    }
    this.logger.info('xero organisation picked by an operator', { connectionId, by: caller.name, xeroTenantId: done.xeroTenantId });
    const released = done.released.length ? ` Access to ${done.released.join(', ')} was given back in Xero.` : '';
    return {
      message: `Connected to Xero (${done.tenantName || done.xeroTenantId}). Documents go there from now on.${released}`,
      xeroTenantId: done.xeroTenantId,
      tenantName: done.tenantName,
    };
  }

  @Get('callback')
  @Public()
  @ApiOperation({
    summary:
      'Where Xero sends the browser back after its consent (no API key: the state and the cookie POST /api/xero/connect set are the proof). ' +
      'A state unknown, used, expired, made for another connection or without its cookie is refused with a 400 page and changes nothing; ' +
      'otherwise the request is used up, the exporter exchanges the code, and the browser goes back to the Integration Center (303) with ' +
      'the outcome in plain words ("Connected to <organisation>." or why not).',
  })
  async callback(@Query() q: XeroCallbackQuery, @Headers('cookie') cookies: string | undefined, @Res() res: ServerResponse): Promise<void> {
    if (!q.state) return this.refuse(res, 'no_state');
    if (!q.code && !q.error)
      return this.page(res, 400, 'The callback needs code (or error) from Xero. Start again with "Connect to Xero" in the Integration Center.');
    const stateHash = hashOf(q.state);
    const nonce = cookieValue(cookies, NONCE_COOKIE);
    const browserHash = nonce ? hashOf(nonce) : undefined;
    const taken = browserHash ? await takeAuthorization(this.pool, stateHash, browserHash) : undefined;
    if (!taken) return this.refuse(res, whyRefused(await findAuthorization(this.pool, stateHash), { browserHash }) ?? 'unknown');
    const connectionId = taken.connectionId;

    const outcome = q.error
      ? { connected: false, message: xeroRefusalMessage(q.error) }
      : await this.exchange(connectionId, q.code!, taken.codeVerifier, [q.state, q.code]);
    await finishAuthorization(this.pool, stateHash, outcome.message);
    const said = outcome.connected
      ? 'xero connected by an operator'
      : outcome.choosing
        ? 'xero consent gave several organisations: one is to be picked'
        : 'xero connection not made';
    this.logger.info(said, {
      connectionId,
      requestedBy: taken.requestedBy,
      outcome: outcome.message,
    });

    const callback = new URL(taken.redirectUri);
    const center = integrationCenterOf(taken.redirectUri);
    const secure = callback.protocol === 'https:';
    res.statusCode = 303;
    res.setHeader('Set-Cookie', [
      setCookie(NONCE_COOKIE, '', { path: callback.pathname, maxAgeSeconds: 0, secure, httpOnly: true }),
      // Read by the page's script once: no secret in it, only what the operator is told.
      setCookie(OUTCOME_COOKIE, encodeURIComponent(JSON.stringify(outcome)), { path: center.pathname, maxAgeSeconds: 300, secure, httpOnly: false }),
    ]);
    res.setHeader('Location', center.toString());
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.end();
  }

  private async exchange(connectionId: string, code: string, codeVerifier: string, secrets: (string | undefined)[]): Promise<Outcome> {
    try {
      const made = await this.exporter.exchange({ connectionId, code, codeVerifier });
      if ('choosing' in made) return choosingOutcome(made.organisations.length);
      return connectedOutcome(made.tenantName || made.xeroTenantId);
    } catch (err) {
      const why = err instanceof ExporterCallError ? err.message : 'the Xero exporter did not answer';
      return failedOutcome(`${redact(why, [...secrets, codeVerifier]).replace(/\.?$/, '.')} Try "Connect to Xero" again.`);
    }
  }

  private refuse(res: ServerResponse, why: Refusal): void {
    this.logger.warn('xero callback refused: nothing changed', { refusal: why });
    this.page(res, 400, refusalMessage(why));
  }

  private page(res: ServerResponse, status: number, message: string): void {
    res.writeHead(status, REFUSED_PAGE_HEADERS);
    res.end(`<!doctype html><html lang="en"><meta charset="utf-8"><title>Xero connection</title><h1>Xero connection</h1><p>${escapeHtml(message)}</p></html>`);
  }
}
