// One way monitor-api calls the services that hold secrets for it (the exporter: Xero's client secret and
// tokens; the poller: each connection's LNB credentials), server to server with the service token the
// called service asks for: a timeout on every call, and an answer turned into words that name no secret.
import { secretFromValueOrFile } from '@lnbx/platform';
import { MIN_SERVICE_TOKEN_LENGTH } from '../config';

/** <SERVICE>_SERVICE_TOKEN, or the file <SERVICE>_SERVICE_TOKEN_FILE names (read at start: an unreadable one stops it). */
export const serviceTokenOf = (value: string | undefined, file: string | undefined, service: 'EXPORTER' | 'POLLER'): string | undefined =>
  secretFromValueOrFile({ value, file, fileVariable: `${service}_SERVICE_TOKEN_FILE`, what: 'service token', minLength: MIN_SERVICE_TOKEN_LENGTH });

/** The service did not do what was asked: its status (0: no answer), its words, and its code when it gave one. */
export class InternalCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface InternalService {
  /** Its base URL as this service reaches it ('' when not set up). */
  base: string;
  token: string | undefined;
  /** In words: "the Xero exporter", "the LNB poller". */
  name: string;
  /** The variable the token comes from, named when the service refuses it. */
  tokenVariable: string;
}

/** Sends `body` as JSON; resolves with the answer's JSON (an empty object for a 204), else throws InternalCallError. */
export async function callInternal<T>(service: InternalService, method: 'POST' | 'PUT', path: string, body: object, timeoutMs: number): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${service.base.replace(/\/+$/, '')}${path}`, {
      method,
      headers: { authorization: `Bearer ${service.token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new InternalCallError(0, `${service.name} did not answer (${(err as Error).name})`);
  }
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.ok) return answer as T;
  if (res.status === 401) throw new InternalCallError(401, `${service.name} refused this service's token: ${service.tokenVariable} must be its own`);
  const said = Array.isArray(answer.message) ? answer.message.join('; ') : typeof answer.message === 'string' ? answer.message : `HTTP ${res.status}`;
  throw new InternalCallError(res.status, said, typeof answer.code === 'string' ? answer.code : undefined);
}
