// The admin API under /__admin/: JSON over the operations of sandbox.admin, for tests, the demo and an
// integrator rehearsing with curl; guarded by AdminAccess (JSON only; the token, or this machine only).
import type { AdminAccess } from '@lnbx/lnb-sandbox';
import type { IncomingMessage } from 'node:http';
import Router from 'router';
import type { SandboxContext } from '../context';
import { validateFaultRule, type FaultRuleInput } from '../faults';
import type { SandboxAdmin } from '../types';
import { decodeComponent } from '@lnbx/http-input';
import { arrival, HttpError, onlyGet, readJson, ROUTER_OPTIONS, send } from './io';

const inputs = new WeakMap<IncomingMessage, Record<string, unknown>>();
/** The JSON body read before routing (see readRequest); `{}` on GET. Whatever JSON it was, even `null`. */
const input = (req: IncomingMessage): Record<string, unknown> => (inputs.has(req) ? (inputs.get(req) as Record<string, unknown>) : {});

/** The body's fields, for a route that reads some: a body that is JSON but no object is a 400, not a TypeError. */
function fields(req: IncomingMessage): Record<string, unknown> {
  const body = input(req);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, { error: 'the body must be a JSON object' });
  return body;
}

/** An admin operation refusing what it was given (it throws, as it does for the in-process admin): a 400 saying why. */
function refusedAs400(operation: () => void): void {
  try {
    operation();
  } catch (err) {
    throw new HttpError(400, { error: (err as Error).message });
  }
}

/** The admin API has always ignored segments past those it reads (`/state/x` is `/state`): kept. */
const andBelow = <P extends string>(path: P): `${P}{/*below}` => `${path}{/*below}`;

export function adminRouter(ctx: SandboxContext, admin: SandboxAdmin, access: AdminAccess): Router.Router {
  const { faults, identity, limiter, tenants, validator } = ctx;
  const router = Router(ROUTER_OPTIONS);
  const ok = (res: Router.Response, body: unknown = { ok: true }): void => send(res, 200, body);

  // Before the body is read: a refused request costs nothing and changes nothing.
  router.use((req, res, next) => {
    const refused = access.refusal(req);
    if (refused) send(res, refused.status, { error: refused.message }, refused.headers);
    else next();
  });
  router.use(readRequest);

  router.get(andBelow('/health'), onlyGet, (_req, res) => ok(res, { ok: true }));
  router.get(andBelow('/state'), onlyGet, (_req, res) =>
    ok(res, {
      url: ctx.baseUrl,
      timeScale: ctx.timeScale,
      limits: { enabled: limiter.enabled, ...limiter.limits },
      schemaValidation: { source: validator.source, openapi: ctx.openapi },
      tenants: [...tenants.values()].map((t) => ({
        tenantId: t.tenantId,
        name: t.name,
        baseCurrency: t.baseCurrency,
        revoked: identity.revokedTenants.has(t.tenantId),
        invoices: t.invoices.size,
        creditNotes: t.creditNotes.size,
        contacts: t.contacts.size,
        endOfYearLockDate: t.endOfYearLockDate ?? null,
        periodLockDate: t.periodLockDate ?? null,
      })),
      faults: faults.list(),
    }),
  );

  router.get('/faults', onlyGet, (_req, res) => ok(res, faults.list()));
  router.post('/faults', (req, res) => {
    const rule = input(req);
    const errors = validateFaultRule(rule);
    if (errors.length) throw new HttpError(400, { errors });
    ok(res, faults.add(rule as unknown as FaultRuleInput));
  });
  router.delete('/faults', (_req, res) => {
    faults.clear();
    ok(res);
  });
  router.delete(andBelow('/faults/:faultId'), (req, res) => (faults.remove(req.params.faultId) ? ok(res) : send(res, 404, { error: 'no such fault' })));

  router.get(andBelow('/calls'), onlyGet, (req, res) => {
    const q = arrival(req).url.searchParams;
    ok(res, admin.calls({ tenantId: q.get('tenantId') ?? undefined, limit: Number(q.get('limit') ?? 200) }));
  });
  router.get(andBelow('/call-times'), onlyGet, (req, res) => {
    ok(res, admin.callTimes(arrival(req).url.searchParams.get('tenantId') ?? undefined));
  });
  router.post(andBelow('/reset'), (_req, res) => {
    admin.reset();
    ok(res);
  });
  router.post(andBelow('/tokens/expire'), (_req, res) => {
    admin.expireAccessTokens();
    ok(res);
  });

  router.use('/tenants/:tenantId', (req, _res, next) => {
    if (!tenants.has(req.params.tenantId)) throw new HttpError(404, { error: `unknown tenant ${req.params.tenantId}` });
    next();
  });
  router.get('/tenants/:tenantId/invoices', onlyGet, (req, res) => ok(res, admin.invoices(req.params.tenantId)));
  router.get(andBelow('/tenants/:tenantId/credit-notes'), onlyGet, (req, res) => ok(res, admin.creditNotes(req.params.tenantId)));
  router.get(andBelow('/tenants/:tenantId/contacts'), onlyGet, (req, res) => ok(res, admin.contacts(req.params.tenantId)));
  router.post(andBelow('/tenants/:tenantId/day-limit'), (req, res) => {
    const seconds = fields(req).seconds;
    admin.forceDayLimit(req.params.tenantId, typeof seconds === 'number' ? seconds : undefined);
    ok(res);
  });
  router.delete(andBelow('/tenants/:tenantId/day-limit'), (req, res) => {
    admin.clearDayLimit(req.params.tenantId);
    ok(res);
  });
  router.post(andBelow('/tenants/:tenantId/revoke'), (req, res) => {
    admin.revokeConnection(req.params.tenantId);
    ok(res);
  });
  router.post(andBelow('/tenants/:tenantId/restore'), (req, res) => {
    admin.restoreConnection(req.params.tenantId);
    ok(res);
  });
  router.post(andBelow('/tenants/:tenantId/lock-dates'), (req, res) => {
    const { endOfYearLockDate, periodLockDate } = fields(req);
    const date = (v: unknown) => (v === undefined || v === null || typeof v === 'string' ? v : String(v));
    refusedAs400(() => admin.setLockDates(req.params.tenantId, { endOfYearLockDate: date(endOfYearLockDate), periodLockDate: date(periodLockDate) }));
    ok(res);
  });
  for (const [segment, kind] of [
    ['invoices', 'invoice'],
    ['credit-notes', 'creditNote'],
  ] as const) {
    router.post(andBelow(`/tenants/:tenantId/${segment}/:idOrNumber/approve`), (req, res) => {
      refusedAs400(() => admin.approve(req.params.tenantId, kind, req.params.idOrNumber));
      ok(res);
    });
  }
  router.post(andBelow('/tenants/:tenantId/invoices/:invoiceId/payments'), (req, res) => {
    const { amount, date } = fields(req);
    if (typeof amount !== 'number') throw new HttpError(400, { error: 'amount (number) is required' });
    refusedAs400(() => admin.recordPayment(req.params.tenantId, req.params.invoiceId, amount, typeof date === 'string' ? date : undefined));
    ok(res);
  });

  router.use((req, res) => send(res, 404, { error: `no admin route ${req.method ?? 'GET'} ${arrival(req).url.pathname}` }));
  return router;
}

/**
 * Before any route, as the admin API always did: the path is read as its non-empty segments
 * (`/__admin//state/` is `/state`), every one of which must decode (a malformed escape is a 400 here,
 * whatever the route), then a body other than on GET must be JSON. req.url becomes the segments
 * re-joined, still encoded, so the routes match them and decode each parameter once.
 */
async function readRequest(req: Router.Request, _res: Router.Response, next: Router.NextFunction): Promise<void> {
  const { url } = arrival(req);
  const segments = url.pathname.slice(req.baseUrl.length).split('/').filter(Boolean);
  if (segments.some((segment) => decodeComponent(segment) === undefined)) throw new HttpError(400, { error: 'the path has a malformed percent-escape' });
  if (req.method !== 'GET') inputs.set(req, await readJson(req));
  req.url = `/${segments.join('/')}${url.search}`;
  next();
}
