// The HTTP plumbing every router shares, in one place so the bytes on the wire stay as they were: how a
// request's URL is read, how bodies are read and parsed, how answers are written, how errors become answers.
import { jsonTextDepth, requestUrl } from '@lnbx/http-input';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Router from 'router';
import { NOT_FOUND_TEXT } from '../accounting';
import type { LimitHeaders } from '../limits';

export type Headers = Record<string, string> | LimitHeaders;

/** What the web server in front of Xero answers a request it cannot read. */
export const BAD_REQUEST = 'Bad Request';

/** Paths match as written: `/Connections` and `/connections/` are not `/connections`. */
export const ROUTER_OPTIONS = { caseSensitive: true, strict: true } as const;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

interface Arrival {
  readonly url: URL;
  readonly started: number;
}

const arrivals = new WeakMap<IncomingMessage, Arrival>();

/**
 * First thing for every request. The URL is read as WHATWG's URL reads it (dot segments resolved, an
 * absolute-form target reduced to its path) and req.url is rewritten to that, so the routers match the
 * very path the handlers read. False for a target that is no URL (`GET http://[bad/ HTTP/1.1`, which
 * Node passes on as written): the caller answers 400, as the web server in front of Xero does.
 */
export function arrive(req: IncomingMessage): boolean {
  const started = Date.now();
  const url = requestUrl(req.url);
  if (!url) return false;
  arrivals.set(req, { url, started });
  req.url = `${url.pathname}${url.search}`;
  return true;
}

/** The URL as the sandbox reads it, and when the request arrived (for the call log's durations). */
export function arrival(req: IncomingMessage): Arrival {
  const a = arrivals.get(req);
  if (!a) throw new Error('the request did not come through arrive()');
  return a;
}

export const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The raw body: attachments are bytes, and Xero's answers to bad JSON are worded by the accounting module. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, 'Request Entity Too Large'));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A form-encoded body (the identity endpoints). */
export async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  return Object.fromEntries(new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8')));
}

/** How deep a JSON body may nest: far beyond any document or admin request, far from any stack's end. */
export const MAX_JSON_DEPTH = 64;

/** A JSON body (the admin API); an empty body is `{}`. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req, 1024 * 1024);
  if (!raw.length) return {};
  const text = raw.toString('utf8');
  if (jsonTextDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
    throw new HttpError(400, { error: `the body must be JSON nested at most ${MAX_JSON_DEPTH} levels` });
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new HttpError(400, { error: 'the body must be JSON' });
  }
}

/** Writes one whole answer: a Buffer as is, a string as text, anything else as JSON, unless told the type. */
export function send(res: ServerResponse, status: number, body: unknown, headers: Headers = {}, contentType?: string): void {
  if (res.headersSent || res.destroyed) return;
  let payload: Buffer | string;
  let type = contentType;
  if (Buffer.isBuffer(body)) payload = body;
  else if (typeof body === 'string') {
    payload = body;
    type ??= 'text/plain; charset=utf-8';
  } else {
    payload = JSON.stringify(body);
    type ??= 'application/json; charset=utf-8';
  }
  res.writeHead(status, { ...headers, 'Content-Type': type ?? 'application/octet-stream', 'Content-Length': Buffer.byteLength(payload) });
  res.end(payload);
}

/** Xero's problem document for 401 and 403. */
export function problem(status: 401 | 403, detail: string): Record<string, unknown> {
  return { Type: null, Title: status === 401 ? 'Unauthorized' : 'Forbidden', Status: status, Detail: detail, Instance: randomUUID(), Extensions: {} };
}

/**
 * Every error a handler throws or rejects with ends here: an HttpError as it says, a path parameter the
 * router could not decode (a malformed percent-escape) a 400, anything else a 500.
 */
export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof HttpError) send(res, err.status, err.body);
  else if (err instanceof URIError) send(res, 400, BAD_REQUEST);
  else send(res, 500, { Title: 'An error occurred', Detail: err instanceof Error ? err.message : String(err), Status: 500 });
}

export const errorHandler: Router.ErrorRequestHandler = (err, _req, res, _next) => sendError(res, err);

export const notFound: Router.RequestHandler = (_req, res) => send(res, 404, NOT_FOUND_TEXT);

/**
 * First handler of every GET route: the router lets a GET route answer HEAD, and the sandbox's never did
 * (HEAD goes on to the 404).
 */
export function onlyGet(req: IncomingMessage, _res: ServerResponse, next: Router.NextFunction): void {
  next(req.method === 'GET' ? undefined : 'route');
}
