// Xero's authorization-code flow over HTTP (GET /connect, GET /callback), the page the Integration Center
// sends a browser to. The connection's state travels as XeroConnectionChanged, never over HTTP to another
// app; no token ever leaves this service.
import { BadRequestException, Controller, Get, Header, Headers, Query, Redirect } from '@nestjs/common';
import { ExporterConfig } from '../config';
import { ConnectionError, ConnectionService } from '../xero/connections';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** As CONNECTION_ID is validated at boot. */
const CONNECTION_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Xero's codes and our states are far shorter; an error code is a word. */
const MAX_LENGTH = { connectionId: 63, code: 512, state: 128, error: 200 } as const;

/**
 * A query parameter given at most once and within its length, else a 400 naming it. Control characters
 * were refused before (InputPipe), so what is left can reach the database and a page.
 */
function once(name: keyof typeof MAX_LENGTH, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BadRequestException([`${name} must be given once`]);
  if (value.length > MAX_LENGTH[name]) throw new BadRequestException([`${name} must be at most ${MAX_LENGTH[name]} characters`]);
  return value;
}

@Controller()
export class ConnectionsController {
  constructor(private readonly connections: ConnectionService, private readonly config: ExporterConfig) {}

  @Get('connect')
  @Redirect()
  async connect(@Query('connectionId') rawConnectionId: unknown, @Headers('host') host: string | undefined): Promise<{ url: string; statusCode: number }> {
    const connectionId = once('connectionId', rawConnectionId);
    if (connectionId !== undefined && !CONNECTION_ID.test(connectionId)) throw new BadRequestException(['connectionId must be lowercase letters, digits and dashes']);
    if (this.config.xeroGrant !== 'authorization_code') {
      throw new BadRequestException('this exporter uses a Xero custom connection (XERO_GRANT=client_credentials): there is nothing to authorise');
    }
    const redirectUri = this.config.xeroRedirectUri ?? `http://${host ?? `127.0.0.1:${this.config.httpPort}`}/callback`;
    return { url: await this.connections.authorizeUrl(connectionId || this.config.connectionId, redirectUri), statusCode: 302 };
  }

  @Get('callback')
  @Header('Content-Type', 'text/html; charset=utf-8')
  async callback(@Query('code') rawCode?: unknown, @Query('state') rawState?: unknown, @Query('error') rawError?: unknown): Promise<string> {
    const [code, state, error] = [once('code', rawCode), once('state', rawState), once('error', rawError)];
    if (error) throw new BadRequestException(`Xero did not connect: ${error}`);
    if (!code || !state) throw new BadRequestException('the callback needs code and state');
    try {
      const s = await this.connections.complete(code, state);
      return `<!doctype html><title>Xero connected</title><p>Connected to <b>${escapeHtml(s.tenantName || s.xeroTenantId)}</b>. Documents waiting for Xero are on their way; you can close this window.</p>`;
    } catch (err) {
      if (err instanceof ConnectionError) throw new BadRequestException(err.message);
      throw err;
    }
  }
}
