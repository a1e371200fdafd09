import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { admitToMetrics, MetricsGuard, MetricsToken } from './metrics';

const TOKEN = 'a-metrics-token-for-tests-0123456789abcdef';

/** A request to GET /metrics as the guard sees it. */
function request(headers: Record<string, string> = {}) {
  const req = { headers };
  const ctx = { switchToHttp: () => ({ getRequest: () => req }) } as unknown as ExecutionContext;
  return { req, ctx };
}

const verdict = (guard: MetricsGuard, ctx: ExecutionContext): number => {
  try {
    return guard.canActivate(ctx) ? 200 : 403;
  } catch (err) {
    if (err instanceof UnauthorizedException) return 401;
    throw err;
  }
};

describe('MetricsGuard', () => {
  it('asks for the metrics token as a bearer token when the service has one, compared whole', () => {
    const guard = new MetricsGuard(new MetricsToken(TOKEN));
    const asked = (headers: Record<string, string>) => verdict(guard, request(headers).ctx);
    expect(asked({})).toBe(401);
    expect(asked({ authorization: `Bearer ${TOKEN}x` })).toBe(401);
    expect(asked({ authorization: `Bearer ${TOKEN.slice(0, -1)}` })).toBe(401);
    expect(asked({ authorization: TOKEN })).toBe(401);
    // An API key header is monitor-api's business (its own guard): here it opens nothing.
    expect(asked({ 'x-api-key': TOKEN })).toBe(401);
    expect(asked({ authorization: `Bearer ${TOKEN}` })).toBe(200);
    expect(asked({ authorization: `bearer ${TOKEN} ` })).toBe(200);
  });

  it('says what to send, never the token', () => {
    const guard = new MetricsGuard(new MetricsToken(TOKEN));
    const refusal = (() => {
      try {
        return guard.canActivate(request({ authorization: 'Bearer wrong' }).ctx);
      } catch (err) {
        return JSON.stringify((err as UnauthorizedException).getResponse());
      }
    })();
    expect(refusal).toMatch(/Authorization: Bearer <METRICS_TOKEN>/);
    expect(refusal).not.toContain(TOKEN.slice(0, 8));
  });

  it("is open without a token (an internal service's port, never published)", () => {
    expect(verdict(new MetricsGuard(new MetricsToken(undefined)), request().ctx)).toBe(200);
  });

  it('lets in a request the app admitted first (monitor-api: an admin key)', () => {
    const { req, ctx } = request({ 'x-api-key': 'an-admin-key' });
    admitToMetrics(req);
    expect(verdict(new MetricsGuard(new MetricsToken(TOKEN)), ctx)).toBe(200);
  });
});
