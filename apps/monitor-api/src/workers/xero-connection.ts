// The Xero connection for the panel: as the exporter's events told it (XeroConnectionLost / Restored,
// projected) and as its GET /connections/status answers now (on its own HTTP port at XERO_EXPORTER_URL).
// The status is also polled as a fallback watch: it notifies a loss only when no event has told it.
import { CONFIG, JsonLogger, PG_POOL } from '@lnbx/platform';
import { BadGatewayException, Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { MonitorConfig } from '../config';
import { connectionLost, describeXero, isConnected, type XeroConnectionView, type XeroStatus } from '../domain/xero-status';
import { xeroConnections } from '../store/queries';
import { Notifier } from './notifier';

const SECRET_FIELD = /token|secret|password|credential/i;

/** The exporter should never send a token here; if it ever did, it stops at the monitor. */
function withoutSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutSecrets);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !SECRET_FIELD.test(k)).map(([k, x]) => [k, withoutSecrets(x)]));
}

@Injectable()
export class XeroConnection implements OnApplicationBootstrap, OnApplicationShutdown {
  private last: boolean | null = null;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(CONFIG) private readonly config: MonitorConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly notifier: Notifier,
    private readonly logger: JsonLogger,
  ) {}

  private get base(): string {
    return this.config.xeroExporterUrl.replace(/\/+$/, '');
  }

  private async projected(): Promise<XeroConnectionView | null> {
    return (await xeroConnections(this.pool)).get(this.config.connectionId) ?? null;
  }

  async status(): Promise<XeroStatus> {
    const [live, projected] = await Promise.all([this.live(), this.projected()]);
    return describeXero(live, projected);
  }

  private async live(): Promise<Omit<XeroStatus, 'projected'>> {
    if (!this.base) return { reachable: false, connected: null, message: 'XERO_EXPORTER_URL is not set, so the monitor does not know where the Xero exporter is.' };
    try {
      const res = await fetch(`${this.base}/connections/status`, { signal: AbortSignal.timeout(3_000) });
      const body: unknown = await res.json().catch(() => null);
      if (!res.ok) return { reachable: true, connected: null, message: `The Xero exporter answered ${res.status} to the status request.`, exporter: withoutSecrets(body) };
      const connected = isConnected(body);
      const message = connected === true ? 'Connected to Xero.' : connected === false ? 'Not connected to Xero: connect to start exporting.' : 'The Xero exporter answered, but not in a shape the monitor understands.';
      return { reachable: true, connected, message, exporter: withoutSecrets(body) };
    } catch (err) {
      const why = (err as Error).name === 'TimeoutError' ? 'no answer within 3 s' : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message);
      return { reachable: false, connected: null, message: `The Xero exporter does not answer at ${this.base} (${why}).` };
    }
  }

  async connectLink(): Promise<{ url: string }> {
    const s = await this.status();
    if (!s.reachable) throw new BadGatewayException(s.message);
    return { url: `${this.base}/connect` };
  }

  async check(): Promise<void> {
    const now = (await this.live()).connected;
    // The exporter's XeroConnectionLost already told it (with more): the poll only covers an exporter that could not.
    if (connectionLost(this.last, now) && (await this.projected())?.status !== 'lost') {
      this.logger.warn('the Xero connection was lost (seen by polling the exporter)');
      this.notifier.add([{
        kind: 'connection_lost', source: 'poll', tenant: null, reason: 'the Xero exporter reports it is no longer connected', code: null, waitingDocuments: null,
      }]);
    }
    if (now !== null) this.last = now;
  }

  onApplicationBootstrap(): void {
    if (!this.base || this.config.xeroStatusPollSeconds === 0) return;
    this.timer = setInterval(() => void this.check().catch(() => undefined), this.config.xeroStatusPollSeconds * 1000);
    this.timer.unref();
    void this.check().catch(() => undefined);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
