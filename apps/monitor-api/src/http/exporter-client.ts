// What monitor-api asks of the xero-exporter, server to server with the exporter's service token: the consent
// link for an operator's authorization request, the exchange of the code Xero sent back, the organisation
// picked when a consent gave several, and "Disconnect".
// The exporter alone holds the client secret and the tokens. Everything else the monitor knows of the
// connection still comes from the exporter's events (XeroConnectionChanged).
import { CONFIG } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import { MonitorConfig } from '../config';
import { callInternal, InternalCallError, serviceTokenOf } from './internal-client';

export const EXPORTER_SERVICE_TOKEN = Symbol('ExporterServiceToken');

/** EXPORTER_SERVICE_TOKEN, or the file EXPORTER_SERVICE_TOKEN_FILE names. */
export const exporterServiceTokenOf = (c: Pick<MonitorConfig, 'exporterServiceToken' | 'exporterServiceTokenFile'>): string | undefined =>
  serviceTokenOf(c.exporterServiceToken, c.exporterServiceTokenFile, 'EXPORTER');

/** The exporter did not do what was asked: its status (0: no answer) and its words, which name no secret. */
export { InternalCallError as ExporterCallError };

/** The exchange waits for Xero twice (token, then /connections), each up to the exporter's XERO_TIMEOUT_MS. */
const TIMEOUT_MS = { authorizeUrl: 10_000, exchange: 75_000, pick: 135_000, disconnect: 135_000 } as const;

/** What a consent made of the connection: connected to its one organisation, or waiting for an operator to pick one. */
export type Exchanged = { xeroTenantId: string; tenantName: string } | { choosing: true; organisations: { tenantId: string; tenantName: string }[] };

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

  exchange(body: { connectionId: string; code: string; codeVerifier: string }): Promise<Exchanged> {
    return this.post('/internal/xero/exchange', body, TIMEOUT_MS.exchange);
  }

  /** Xero is asked up to a token refresh, /connections, and a DELETE per organisation not picked, each up to XERO_TIMEOUT_MS. */
  pick(body: {
    connectionId: string;
    tenantId: string;
    by: string;
  }): Promise<{ xeroTenantId: string; tenantName: string; released: string[]; keptForOthers: string[] }> {
    return this.post('/internal/xero/organisation', body, TIMEOUT_MS.pick);
  }

  /** Xero is asked up to four times (a token refresh, /connections, the DELETE, the revocation), each up to XERO_TIMEOUT_MS. */
  disconnect(body: { connectionId: string; by: string }): Promise<{ xeroTenantId: string | null; tenantName: string | null; waitingDocuments: number }> {
    return this.post('/internal/xero/disconnect', body, TIMEOUT_MS.disconnect);
  }

  private post<T>(path: string, body: object, timeoutMs: number): Promise<T> {
    return callInternal<T>(
      { base: this.base, token: this.token, name: 'the Xero exporter', tokenVariable: 'EXPORTER_SERVICE_TOKEN' },
      'POST',
      path,
      body,
      timeoutMs,
    );
  }
}
