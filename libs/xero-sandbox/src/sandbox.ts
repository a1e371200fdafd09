// startXeroSandbox: Xero's identity endpoints, the Accounting API, limits, faults, idempotency and an admin
// API, on one Node http server bound to 127.0.0.1. It composes; the areas live in ./http, the state in ./context.
import { AdminAccess } from '@lnbx/lnb-sandbox';
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from 'router';
import { createAdmin } from './admin';
import { SandboxContext } from './context';
import { accountingRouter } from './http/accounting-router';
import { adminRouter } from './http/admin-router';
import { connectionsRouter } from './http/connections-router';
import { identityRouter } from './http/identity-router';
import { arrive, BAD_REQUEST, errorHandler, notFound, ROUTER_OPTIONS, send, sendError } from './http/io';
import type { OAuthClient } from './oauth';
import type { TokenSet, XeroSandbox, XeroSandboxOptions } from './types';

export type { CallRecord, CallStats, Clock, SandboxAdmin, SandboxTenant, TenantCallTimes, TokenSet, XeroSandbox, XeroSandboxOptions } from './types';

const API_PREFIX = '/api.xro/2.0';
/** "/__admin/" and below; "/__admin" itself has never been the admin API. */
const ADMIN_PATHS = /^\/__admin(?=\/)/;

export async function startXeroSandbox(options: XeroSandboxOptions = {}): Promise<XeroSandbox> {
  // The same guard as the LNB sandbox's admin API (JSON only; a token, or loopback only): one place for both.
  const adminAccess = new AdminAccess({ sandbox: 'Xero sandbox', host: options.host, token: options.adminToken, variable: 'XERO_SANDBOX_ADMIN_TOKEN' });
  const ctx = new SandboxContext(options);
  const admin = createAdmin(ctx);

  const app = Router(ROUTER_OPTIONS);
  app.use(API_PREFIX, accountingRouter(ctx));
  app.use(ADMIN_PATHS, adminRouter(ctx, admin, adminAccess));
  app.use(identityRouter(ctx));
  app.use(connectionsRouter(ctx));
  app.use(notFound);
  app.use(errorHandler);

  const server = http.createServer((req, res) => {
    if (!arrive(req)) {
      send(res, 400, BAD_REQUEST);
      return;
    }
    // Every request is answered inside the routers; this is reached only if the error handler itself fails.
    app(req, res, (err) => sendError(res, err));
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  ctx.baseUrl = baseUrl;

  const authCodeClient = ctx.clients.find((c) => c.grant === 'authorization_code');
  const ccClient = ctx.clients.find((c) => c.grant === 'client_credentials');

  const tokenRequest = async (form: Record<string, string>, client: OAuthClient): Promise<TokenSet> => {
    const res = await fetch(`${baseUrl}/identity/connect/token`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(form).toString(),
    });
    const body = (await res.json()) as TokenSet & { error?: string };
    if (!res.ok) throw new Error(`token request failed: ${res.status} ${body.error ?? ''}`);
    return body;
  };

  return {
    url: baseUrl,
    port,
    accountingBasePath: `${baseUrl}${API_PREFIX}`,
    identity: {
      authorizeUrl: `${baseUrl}/identity/connect/authorize`,
      tokenUrl: `${baseUrl}/identity/connect/token`,
      revocationUrl: `${baseUrl}/identity/connect/revocation`,
      connectionsUrl: `${baseUrl}/connections`,
      discoveryUrl: `${baseUrl}/.well-known/openid-configuration`,
    },
    tenants: [...ctx.tenants.values()].map((t) => ({ tenantId: t.tenantId, name: t.name, baseCurrency: t.baseCurrency })),
    tenantIds: [...ctx.tenants.keys()],
    clients: {
      authorizationCode: { clientId: authCodeClient?.clientId ?? '', clientSecret: authCodeClient?.clientSecret ?? '' },
      clientCredentials: { clientId: ccClient?.clientId ?? '', clientSecret: ccClient?.clientSecret ?? '', tenantId: ccClient?.tenantIds?.[0] ?? '' },
    },
    schemaValidation: { source: ctx.validator.source, openapi: ctx.openapi },
    admin,
    async connect(opts = {}) {
      if (!authCodeClient) throw new Error('no authorization-code client configured');
      const redirectUri = opts.redirectUri ?? 'http://127.0.0.1/callback';
      const q = new URLSearchParams({
        response_type: 'code',
        client_id: authCodeClient.clientId,
        redirect_uri: redirectUri,
        scope: opts.scope ?? 'offline_access accounting.invoices accounting.contacts accounting.settings.read accounting.attachments',
        state: randomUUID(),
      });
      if (opts.tenantIds) q.set('tenants', opts.tenantIds.join(','));
      const res = await fetch(`${baseUrl}/identity/connect/authorize?${q.toString()}`, { redirect: 'manual' });
      const location = res.headers.get('location');
      const code = location ? new URL(location).searchParams.get('code') : null;
      if (!code) throw new Error(`authorize did not return a code (${res.status})`);
      return tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }, authCodeClient);
    },
    async clientCredentialsToken() {
      if (!ccClient) throw new Error('no client-credentials client configured');
      return tokenRequest({ grant_type: 'client_credentials', scope: 'accounting.invoices accounting.contacts accounting.settings.read' }, ccClient);
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // After the last call: each was journaled before its answer; this makes the journal durable.
      ctx.close();
    },
  };
}
