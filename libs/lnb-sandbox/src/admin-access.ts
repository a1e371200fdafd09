// Who may drive a sandbox's admin API (both sandboxes use this one; the Xero sandbox imports it from here).
// The admin API changes what the fake API answers and shows what it holds (tokens, documents), so:
// - a request with a body, and every POST, PUT or PATCH, must be `content-type: application/json`: a page in a
//   browser can send a form or a "simple" request to any address without asking, but JSON only after a CORS
//   preflight, which the sandboxes never grant;
// - with a token configured, every admin request needs `authorization: Bearer <token>` (compared in constant time);
// - without one, the sandbox must listen on loopback only, and admin requests must be addressed to a loopback
//   name (Host), so a page that rebinds its own domain name to 127.0.0.1 still cannot reach it.
// Proven on both sandboxes, in-process and as their apps, by libs/xero-sandbox/src/admin-access.int-spec.ts.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** Printable ASCII without spaces: what fits in one `Bearer` credential. */
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;
const MIN_TOKEN_LENGTH = 16;
/** Methods that always carry a payload here; GET, HEAD and DELETE must say JSON only when they send a body. */
const PAYLOAD_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** 127.0.0.1, ::1 or localhost (the addresses a sandbox without an admin token may listen on). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase());
}

export interface AdminAccessSettings {
  /** Which sandbox, for messages: "LNB sandbox". */
  sandbox: string;
  /** The address it listens on; 127.0.0.1 when unset. */
  host: string | undefined;
  /** The configured admin token, if any. */
  token: string | undefined;
  /** The environment variable that sets the token, named in every refusal. */
  variable: string;
}

export interface AdminRefusal {
  status: 401 | 403 | 415;
  message: string;
  headers: Record<string, string>;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export class AdminAccess {
  /** A digest, so the comparison takes the same time whatever the length of what was sent. */
  private readonly expected: Buffer | undefined;
  private readonly variable: string;

  /**
   * Checks the settings before the sandbox listens: a token must be usable, and a sandbox listening beyond
   * loopback must have one. The messages never include the token.
   */
  constructor({ sandbox, host = '127.0.0.1', token, variable }: AdminAccessSettings) {
    this.variable = variable;
    if (token !== undefined) {
      if (token.length < MIN_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) {
        throw new Error(
          `${sandbox}: ${variable} (option adminToken) must be at least ${MIN_TOKEN_LENGTH} printable characters without spaces (e.g. openssl rand -hex 32)`,
        );
      }
      this.expected = digest(token);
    } else if (!isLoopbackHost(host)) {
      throw new Error(
        `${sandbox}: listening on ${host}, beyond this machine, its admin API would be open to whoever reaches it: ` +
          `set ${variable} (option adminToken) to a random secret (e.g. openssl rand -hex 32), or listen on 127.0.0.1`,
      );
    }
  }

  /** Whether admin requests need the token (else the sandbox listens on loopback only). */
  get tokenRequired(): boolean {
    return this.expected !== undefined;
  }

  /** Why this admin request is refused, or undefined when it may go on. Checked before its body is read. */
  refusal(req: IncomingMessage): AdminRefusal | undefined {
    if (this.expected) {
      if (!this.authorised(req.headers.authorization)) {
        return {
          status: 401,
          message: `the admin API needs "authorization: Bearer <token>" with the sandbox's admin token (${this.variable})`,
          headers: { 'www-authenticate': 'Bearer realm="sandbox admin"' },
        };
      }
    } else if (!isLoopbackHost(hostName(req.headers.host))) {
      return {
        status: 403,
        message: `without an admin token (${this.variable}) the admin API answers only requests addressed to 127.0.0.1, ::1 or localhost`,
        headers: {},
      };
    }
    if (carriesPayload(req) && !isJson(req.headers['content-type'])) {
      return { status: 415, message: 'admin requests with a body (and every POST, PUT or PATCH) must say "content-type: application/json"', headers: {} };
    }
    return undefined;
  }

  private authorised(header: string | undefined): boolean {
    const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    return match !== null && timingSafeEqual(digest(match[1]), this.expected as Buffer);
  }
}

/** The name in a Host header, without its port (`[::1]:4010` is `::1`). */
function hostName(host: string | undefined): string {
  if (!host) return '';
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return host.slice(1, end < 0 ? undefined : end);
  }
  const colon = host.indexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

function carriesPayload(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return PAYLOAD_METHODS.has(req.method ?? 'GET') || (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function isJson(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === 'application/json';
}
