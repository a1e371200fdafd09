// How the client moves bytes: node:http(s) on kept-alive connections by default, or an injected
// fetch (tests). fetch (undici) costs about five times the CPU of node:http per request, and the
// poller makes one request per invoice it enriches.
import { CodedError } from '@lnbx/contracts';
import * as http from 'node:http';
import * as https from 'node:https';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/** An answer read to its end. */
export interface HttpAnswer {
  status: number;
  headers: { get(name: string): string | null };
  text: string;
}

/** The URL comes parsed: the client built it as a URL, and parsing it again per request showed in profiles. */
export type Transport = ((url: URL, request: HttpRequest) => Promise<HttpAnswer>) & {
  /** Closes kept-alive connections. */
  close?(): void;
};

export function fetchTransport(fetchImpl: FetchLike): Transport {
  return async (url, { method, headers, body, timeoutMs }) => {
    const response = await fetchImpl(url.toString(), { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
}

/** Named as fetch names its own timeout (AbortSignal.timeout), so the client words both alike. */
class TimeoutError extends CodedError<'LNB.UNAVAILABLE'> {
  override readonly name = 'TimeoutError';

  constructor(timeoutMs: number) {
    super('LNB.UNAVAILABLE', `no answer within ${timeoutMs} ms`);
  }
}

/** node:http(s); one agent per client, so its connections are reused across requests and freed with it. */
export function nodeTransport(): Transport {
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };
  const transport: Transport = (url, { method, headers, body, timeoutMs }) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const target = url;
      const protocol = target.protocol === 'https:' ? 'https:' : 'http:';
      const send = protocol === 'https:' ? https.request : http.request;
      const req = send(
        target,
        { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: agents[protocol] },
        (res) => {
          // Bytes kept and decoded once at the end: decoding each chunk as it came (setEncoding) cost
          // about twice the CPU on a 2 MB listing page, and left JSON.parse a string of pieces.
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            clearTimeout(timer);
            const raw = res.headers;
            resolve({
              status: res.statusCode ?? 0,
              headers: {
                get: (name) => {
                  const v = raw[name.toLowerCase()];
                  return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
                },
              },
              text: chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'),
            });
          });
          res.on('error', fail);
        },
      );
      // The whole exchange, body included, as AbortSignal.timeout bounds it for fetch.
      const timer = setTimeout(() => req.destroy(new TimeoutError(timeoutMs)), timeoutMs);
      function fail(err: Error): void {
        clearTimeout(timer);
        reject(err);
      }
      req.on('error', fail);
      req.end(body);
    });
  transport.close = () => {
    agents['http:'].destroy();
    agents['https:'].destroy();
  };
  return transport;
}
