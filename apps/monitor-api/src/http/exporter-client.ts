// The two things monitor-api asks of the xero-exporter, server to server with the exporter's service token:
// the consent link for an operator's authorization request, and the exchange of the code Xero sent back.
// The exporter alone holds the client secret and the tokens. Everything else the monitor knows of the
// connection still comes from the exporter's events (XeroConnectionChanged).
import { CONFIG, secretFromValueOrFile } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import { MIN_SERVICE_TOKEN_LENGTH, MonitorConfig } from '../config';

export const EXPORTER_SERVICE_TOKEN = Symbol('ExporterServiceToken');

/** EXPORTER_SERVICE_TOKEN, or the file EXPORTER_SERVICE_TOKEN_FILE names (read at start: an unreadable one stops it). */
export const exporterServiceTokenOf = (config: Pick<MonitorConfig, 'exporterServiceToken' | 'exporterServiceTokenFile'>): string | undefined =>
  secretFromValueOrFile({
    value: config.exporterServiceToken,
    file: config.exporterServiceTokenFile,
    fileVariable: 'EXPORTER_SERVICE_TOKEN_FILE',
    what: 'service token',
    minLength: MIN_SERVICE_TOKEN_LENGTH,
  });

/** The exporter did not do what was asked: its status (0: no answer) and its words, which name no secret. */
export class ExporterCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The exchange waits for Xero twice (token, then /connections), each up to the exporter's XERO_TIMEOUT_MS. */
const TIMEOUT_MS = { authorizeUrl: 10_000, exchange: 75_000 } as const;

@Injectable()
export class ExporterClient {
  private readonly base: string;

  constructor(
    @Inject(CONFIG) config: MonitorConfig,
    @Inject(EXPORTER_SERVICE_TOKEN) private readonly token: string | undefined,
  ) {
    this.base = config.exporterInternalUrl.replace(/\/+$/, '');
  }

  get configured(): boolean {
    return Boolean(this.base && this.token);
  }

  authorizeUrl(body: { connectionId: string; state: string; codeChallenge: string }): Promise<{ url: string; redirectUri: string }> {
    return this.post('/internal/xero/authorize-url', body, TIMEOUT_MS.authorizeUrl);
  }

  exchange(body: { connectionId: string; code: string; codeVerifier: string }): Promise<{ xeroTenantId: string; tenantName: string }> {
    return this.post('/internal/xero/exchange', body, TIMEOUT_MS.exchange);
  }

  private async post<T>(path: string, body: object, timeoutMs: number): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new ExporterCallError(0, `the Xero exporter did not answer (${(err as Error).name})`);
    }
    const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.ok) return answer as T;
    if (res.status === 401) throw new ExporterCallError(401, "the Xero exporter refused this service's token: EXPORTER_SERVICE_TOKEN must be the exporter's");
    const said = Array.isArray(answer.message) ? answer.message.join('; ') : typeof answer.message === 'string' ? answer.message : `HTTP ${res.status}`;
    throw new ExporterCallError(res.status, said);
  }
}
