// Xero's authorization-code flow over HTTP (GET /connect, GET /callback), the page the Integration Center
// sends a browser to. The connection's state travels as XeroConnectionChanged, never over HTTP to another
// app; no token ever leaves this service.
import { BadRequestException, Controller, Get, Header, Headers, Query, Redirect } from '@nestjs/common';
import { ExporterConfig } from '../config';
import { ConnectionError, ConnectionService } from '../xero/connections';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

@Controller()
export class ConnectionsController {
  constructor(private readonly connections: ConnectionService, private readonly config: ExporterConfig) {}

  @Get('connect')
  @Redirect()
  async connect(@Query('connectionId') connectionId: string | undefined, @Headers('host') host: string | undefined): Promise<{ url: string; statusCode: number }> {
    if (this.config.xeroGrant !== 'authorization_code') {
      throw new BadRequestException('this exporter uses a Xero custom connection (XERO_GRANT=client_credentials): there is nothing to authorise');
    }
    const redirectUri = this.config.xeroRedirectUri ?? `http://${host ?? `127.0.0.1:${this.config.httpPort}`}/callback`;
    return { url: await this.connections.authorizeUrl(connectionId || this.config.connectionId, redirectUri), statusCode: 302 };
  }

  @Get('callback')
  @Header('Content-Type', 'text/html; charset=utf-8')
  async callback(@Query('code') code?: string, @Query('state') state?: string, @Query('error') error?: string): Promise<string> {
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
