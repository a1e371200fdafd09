// The one thing monitor-api asks of the lnb-poller, server to server with the poller's service token: to
// check a connection's LNB credentials with LNB and keep them, sealed. The poller alone holds them (it is
// the only service that uses them); the monitor records only that they were set, by whom and when.
import { CONFIG } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import { MonitorConfig } from '../config';
import { callInternal, type InternalService, serviceTokenOf } from './internal-client';

export const POLLER_SERVICE_TOKEN = Symbol('PollerServiceToken');

/** POLLER_SERVICE_TOKEN, or the file POLLER_SERVICE_TOKEN_FILE names. */
export const pollerServiceTokenOf = (c: Pick<MonitorConfig, 'pollerServiceToken' | 'pollerServiceTokenFile'>): string | undefined =>
  serviceTokenOf(c.pollerServiceToken, c.pollerServiceTokenFile, 'POLLER');

/** The poller asks LNB for a token with the credentials before it keeps them: LNB_TIMEOUT_MS there, and some. */
const TIMEOUT_MS = 45_000;

@Injectable()
export class PollerClient {
  private readonly service: InternalService;

  constructor(@Inject(CONFIG) config: MonitorConfig, @Inject(POLLER_SERVICE_TOKEN) token: string | undefined) {
    this.service = { base: config.pollerInternalUrl, token, name: 'the LNB poller', tokenVariable: 'POLLER_SERVICE_TOKEN' };
  }

  get configured(): boolean {
    return Boolean(this.service.base && this.service.token);
  }

  /** Resolves once the poller stored them (204); throws InternalCallError with the poller's words otherwise. */
  async setLnbCredentials(connectionId: string, credentials: { clientId: string; clientSecret: string }): Promise<void> {
    await callInternal(this.service, 'PUT', `/internal/connections/${encodeURIComponent(connectionId)}/lnb-credentials`, credentials, TIMEOUT_MS);
  }
}
