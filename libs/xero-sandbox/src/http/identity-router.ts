// Xero's identity service: the authorization-code consent (automatic), the token and revocation
// endpoints, and the OpenID discovery document.
import type { IncomingMessage } from 'node:http';
import Router from 'router';
import type { SandboxContext } from '../context';
import { decodeComponent, requestUrl } from '@lnbx/http-input';
import { arrival, header, notFound, onlyGet, readForm, ROUTER_OPTIONS, send } from './io';

export function identityRouter(ctx: SandboxContext): Router.Router {
  const { identity } = ctx;
  const router = Router(ROUTER_OPTIONS);

  router.get('/identity/connect/authorize', onlyGet, (req, res) => {
    const q = arrival(req).url.searchParams;
    const redirectUri = q.get('redirect_uri') ?? undefined;
    const result = identity.authorize({
      clientId: q.get('client_id') ?? undefined,
      redirectUri,
      responseType: q.get('response_type') ?? undefined,
      scope: q.get('scope') ?? undefined,
      tenantIds: q
        .get('tenants')
        ?.split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
      codeChallenge: q.get('code_challenge') ?? undefined,
      codeChallengeMethod: q.get('code_challenge_method') ?? undefined,
    });
    // A redirect_uri that is no absolute URL cannot be sent back to: Xero shows its error page instead.
    const target = redirectUri ? requestUrl(redirectUri, null) : undefined;
    if (!target || (!result.ok && result.error === 'unauthorized_client')) {
      send(
        res,
        400,
        `<html><body><h1>Sandbox consent</h1><p>Error: ${result.ok ? 'invalid_request' : result.error}</p></body></html>`,
        {},
        'text/html; charset=utf-8',
      );
      return;
    }
    if (result.ok) target.searchParams.set('code', result.code);
    else target.searchParams.set('error', result.error);
    const state = q.get('state');
    if (state !== null) target.searchParams.set('state', state);
    // Written directly, not through send(): the redirect has always gone out without a Content-Length.
    res.writeHead(302, { Location: target.toString(), 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<html><body>Sandbox auto-consent: redirecting to <a href="${target.toString()}">your app</a>.</body></html>`);
  });

  router.post('/identity/connect/token', async (req, res) => {
    const { form, basic } = await readClientRequest(req);
    const answer = identity.token(form, basic);
    ctx.identityChanged();
    send(res, answer.status, answer.body, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  });

  router.post('/identity/connect/revocation', async (req, res) => {
    const { form, basic } = await readClientRequest(req);
    const answer = identity.revokeToken(form.token ?? '', form, basic);
    ctx.identityChanged();
    if (answer.status === 200) send(res, 200, '');
    else send(res, answer.status, answer.body, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  });

  // Any method, on either path: discovery has never looked at the method.
  router.all(['/.well-known/openid-configuration', '/identity/.well-known/openid-configuration'], (_req, res) => {
    const baseUrl = ctx.baseUrl;
    send(res, 200, {
      issuer: baseUrl,
      authorization_endpoint: `${baseUrl}/identity/connect/authorize`,
      token_endpoint: `${baseUrl}/identity/connect/token`,
      revocation_endpoint: `${baseUrl}/identity/connect/revocation`,
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types_supported: ['code'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    });
  });

  // The rest of /identity is not found here rather than passed on: a router that runs out of layers
  // answers OPTIONS itself (200 with an Allow list), which the sandbox never did.
  router.use('/identity', notFound);
  return router;
}

/** The form, and the client from `Authorization: Basic` when sent (read alike by both endpoints). */
async function readClientRequest(req: IncomingMessage): Promise<{ form: Record<string, string>; basic?: { id: string; secret: string } }> {
  const form = await readForm(req);
  const m = /^Basic\s+(.+)$/i.exec(header(req, 'authorization') ?? '');
  if (!m) return { form };
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  // Undecodable credentials are kept as written: no client has them, so the answer is invalid_client.
  const part = (s: string) => decodeComponent(s) ?? s;
  return { form, basic: { id: part(decoded.slice(0, i)), secret: part(decoded.slice(i + 1)) } };
}
