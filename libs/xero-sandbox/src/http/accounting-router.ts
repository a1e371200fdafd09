// The Accounting API under /api.xro/2.0: each call is authenticated, held to Xero's limits, exposed to the
// injected faults, made idempotent by its key and logged, around accounting.ts, which answers it.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import Router from 'router';
import { handleAccounting, MAX_ATTACHMENT_BYTES, type ApiResponse } from '../accounting';
import type { SandboxContext } from '../context';
import type { FaultRule } from '../faults';
import { IdempotencyBook } from '../idempotency';
import type { LimitHeaders } from '../limits';
import type { TenantState } from '../state';
import type { CallRecord } from '../types';
import { decodeComponent, jsonTextDepth } from '@lnbx/http-input';
import { arrival, header, HttpError, MAX_JSON_DEPTH, problem, readBody, ROUTER_OPTIONS, send } from './io';

const MAX_JSON_BYTES = 3.5 * 1024 * 1024;
const RATE_LIMITED = 'oauth_problem=rate%20limit%20exceeded&oauth_problem_advice=please%20wait%20before%20retrying%20the%20xero%20api';
const UNAVAILABLE = 'The Xero API is temporarily unavailable. Please try again shortly.';
const FAULT_DETAIL = 'An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status.';

export function accountingRouter(ctx: SandboxContext): Router.Router {
  const router = Router(ROUTER_OPTIONS);
  // One handler under the prefix rather than a route per resource: a path accounting.ts does not know is
  // still a call (authenticated, limited, faulted, logged) before it answers 404.
  router.use((req, res) => answerCall(ctx, req, res));
  return router;
}

/** One call, from its first check to its line in the call log. */
interface ApiCall {
  readonly req: Router.Request;
  readonly res: ServerResponse;
  /** The path after /api.xro/2.0, as logged and as fault rules match it. */
  readonly path: string;
  readonly method: string;
  /** The log line so far; finish() completes and records it. */
  readonly record: CallRecord;
  finish(status: number, extra?: Partial<CallRecord>): void;
}

async function answerCall(ctx: SandboxContext, req: Router.Request, res: ServerResponse): Promise<void> {
  const { url, started } = arrival(req);
  const path = url.pathname.slice(req.baseUrl.length) || '/';
  const record: CallRecord = { at: new Date(ctx.clock.now()).toISOString(), method: req.method ?? 'GET', path, status: 0, durationMs: 0 };
  const call: ApiCall = {
    req,
    res,
    path,
    method: (req.method ?? 'GET').toUpperCase(),
    record,
    finish: (status, extra = {}) => ctx.calls.record({ ...record, ...extra, status, durationMs: Date.now() - started }),
  };

  const admitted = admit(ctx, call);
  if (!admitted) return;
  const { tenant, clientId } = admitted;
  const limitHeaders = (): LimitHeaders => ctx.limiter.headers(tenant.tenantId, ctx.clock.now());
  const fault = await applyFaults(ctx, call, tenant.tenantId, limitHeaders);
  if (fault === 'answered') return;

  let body: Buffer;
  try {
    body = await readBody(req, /\/attachments\//i.test(path) ? MAX_ATTACHMENT_BYTES : MAX_JSON_BYTES);
  } catch (err) {
    const status = err instanceof HttpError ? err.status : 400;
    send(res, status, err instanceof HttpError ? err.body : 'Bad Request', limitHeaders());
    call.finish(status, { reason: 'body' });
    return;
  }

  const unread = unreadable(path, body);
  if (unread) {
    send(res, 400, unread.body, limitHeaders());
    call.finish(400, { reason: unread.reason });
    return;
  }

  const key = call.method === 'GET' ? undefined : header(req, 'idempotency-key');
  if (key !== undefined && key.length > 128) {
    send(res, 400, validationException('The Idempotency-Key header must be no more than 128 characters long.'), limitHeaders());
    call.finish(400, { reason: 'idempotency-key', idempotencyKey: key });
    return;
  }
  const storeKey = key ? IdempotencyBook.key(tenant.tenantId, clientId, key) : undefined;
  if (storeKey) {
    const hit = ctx.idempotency.replay(storeKey, ctx.clock.now());
    if (hit) {
      send(res, hit.status, hit.body, { ...limitHeaders(), 'Xero-Correlation-Id': randomUUID(), 'X-Sandbox-Idempotent-Replay': 'true' }, hit.contentType);
      call.finish(hit.status, { idempotencyKey: key, replayed: true });
      return;
    }
    if (!ctx.idempotency.claim(storeKey)) {
      send(res, 409, validationException('A request with this Idempotency-Key is already being processed.'), limitHeaders());
      call.finish(409, { reason: 'idempotency-conflict', idempotencyKey: key });
      return;
    }
  }

  const segments = path
    .split('/')
    .filter(Boolean)
    .map((s) => decodeComponent(s)!);

  let answer: ApiResponse;
  try {
    answer = handleAccounting(
      { method: call.method, segments, query: url.searchParams, headers: req.headers, body, tenant, now: ctx.clock.now(), appName: ctx.appName },
      { validator: ctx.validator },
    );
  } finally {
    if (storeKey) ctx.idempotency.release(storeKey);
  }
  const contentType =
    answer.contentType ??
    (Buffer.isBuffer(answer.body)
      ? 'application/octet-stream'
      : typeof answer.body === 'string'
        ? 'text/plain; charset=utf-8'
        : 'application/json; charset=utf-8');
  const payload = Buffer.isBuffer(answer.body) ? answer.body : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  // A 5xx is not remembered, so a retry with the same key runs again; attachment bytes are not either.
  if (storeKey && answer.status < 500 && !Buffer.isBuffer(payload)) {
    ctx.idempotency.remember(storeKey, { status: answer.status, contentType, body: payload, at: ctx.clock.now() });
  }
  // Journaled before the answer goes out: what a caller was told is stored survives a killed sandbox.
  if (answer.mutated || storeKey) ctx.save();
  if (fault?.kind === 'outcomeUnknown') {
    // The work is done and remembered; the caller just never hears about it.
    call.finish(0, { reason: 'fault:outcomeUnknown', idempotencyKey: key });
    const hang = fault.hangMs ?? 0;
    if (hang > 0) {
      const timer = setTimeout(() => req.socket.destroy(), hang);
      res.on('close', () => clearTimeout(timer));
    } else req.socket.destroy();
    return;
  }
  send(res, answer.status, payload, { ...limitHeaders(), 'Xero-Correlation-Id': randomUUID() }, contentType);
  call.finish(answer.status, { reason: answer.reason, idempotencyKey: key });
}

/**
 * The bearer token, the organisation (xero-tenant-id, or a custom connection's only one) and the limits.
 * Undefined when the call was refused; the answer and its log line are then written.
 */
function admit(ctx: SandboxContext, call: ApiCall): { tenant: TenantState; clientId: string } | undefined {
  const { req, res } = call;
  const auth = ctx.identity.authenticate(header(req, 'authorization'));
  if (!auth.ok) {
    send(res, 401, problem(401, auth.detail), { 'WWW-Authenticate': `Bearer error="invalid_token"` });
    call.finish(401, { reason: 'unauthorized' });
    return undefined;
  }
  let tenantId = header(req, 'xero-tenant-id')?.trim().toLowerCase() ?? '';
  if (!tenantId && auth.customConnection && auth.tenantIds.length === 1) tenantId = auth.tenantIds[0];
  const tenant = ctx.tenants.get(tenantId);
  if (!tenant || !auth.tenantIds.includes(tenantId)) {
    send(res, 403, problem(403, 'AuthenticationUnsuccessful'));
    call.finish(403, { reason: 'forbidden', tenantId: tenantId || undefined });
    return undefined;
  }
  call.record.tenantId = tenantId;
  const admission = ctx.limiter.admit(tenantId, ctx.clock.now());
  if (!admission.ok) {
    const headers = { ...admission.headers, 'Retry-After': String(admission.retryAfterSeconds), 'X-Rate-Limit-Problem': admission.problem };
    send(res, 429, RATE_LIMITED, headers);
    call.finish(429, { reason: `limit:${admission.problem}` });
    return undefined;
  }
  res.on('close', admission.release);
  return { tenant, clientId: auth.clientId };
}

/**
 * Latency, a dropped socket or an error answer, before anything is read or stored. Returns the rule
 * still to apply after the work (outcomeUnknown), or 'answered' when the call ends here.
 */
async function applyFaults(
  ctx: SandboxContext,
  call: ApiCall,
  tenantId: string,
  limitHeaders: () => LimitHeaders,
): Promise<FaultRule | undefined | 'answered'> {
  const { latencyMs, fault } = ctx.faults.pick({ tenantId, method: call.method, path: call.path });
  if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
  if (fault?.kind === 'drop') {
    call.req.socket.destroy();
    call.finish(0, { reason: 'fault:drop' });
    return 'answered';
  }
  if (fault?.kind === 'error') {
    const status = fault.status ?? 503;
    const body = status === 503 ? UNAVAILABLE : { Title: 'An error occurred', Detail: FAULT_DETAIL, Status: status, Instance: randomUUID() };
    send(call.res, status, body, { ...limitHeaders(), 'Xero-Correlation-Id': randomUUID() });
    call.finish(status, { reason: `fault:error` });
    return 'answered';
  }
  return fault;
}

/**
 * What is refused before accounting.ts reads it, in Xero's words: a path segment that does not decode
 * (`%ZZ`), or a JSON body nested past any document (its validator and renderer recurse).
 */
function unreadable(path: string, body: Buffer): { reason: string; body: Record<string, unknown> } | undefined {
  if (path.split('/').some((s) => decodeComponent(s) === undefined)) {
    return { reason: 'path', body: validationException('The request URL has a malformed percent-escape.') };
  }
  if (body.length && jsonTextDepth(body.toString('utf8'), MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    return {
      reason: 'invalid-body',
      body: { ErrorNumber: 14, Type: 'PostDataInvalidException', Message: `JSON for post data was invalid, it nests deeper than ${MAX_JSON_DEPTH} levels.` },
    };
  }
  return undefined;
}

function validationException(message: string): Record<string, unknown> {
  return { ErrorNumber: 10, Type: 'ValidationException', Message: message, Elements: [] };
}
