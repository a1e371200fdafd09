// The Xero connection as the exporter knows it (its GET /connections/status and /connect, on its own
// HTTP port at XERO_EXPORTER_URL), and a watch that notifies when the connection is lost.
import { CONFIG, JsonLogger } from '@lnbx/platform';
import { BadGatewayException, Controller, Get, Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth';
import { MonitorConfig } from '../config';
import { connectionLost, isConnected } from '../domain/xero-status';
import { Notifier } from '../notifications/notifier';

export interface XeroStatus {
  reachable: boolean;
  connected: boolean | null;
  message: string;
  /** The exporter's own answer, secrets removed. */
  exporter?: unknown;
}

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

  constructor(@Inject(CONFIG) private readonly config: MonitorConfig, private readonly notifier: Notifier, private readonly logger: JsonLogger) {}

  private get base(): string {
    return this.config.xeroExporterUrl.replace(/\/+$/, '');
  }

  async status(): Promise<XeroStatus> {
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
    const now = (await this.status()).connected;
    if (connectionLost(this.last, now)) {
      this.logger.warn('the Xero connection was lost');
      this.notifier.add([{ kind: 'connection_lost', message: 'the Xero exporter reports it is no longer connected; reconnect in the Integration Center.' }]);
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

@ApiTags('xero')
@ApiSecurity('api-key')
@Controller('api/xero')
export class XeroController {
  constructor(private readonly xero: XeroConnection) {}

  @Get('status')
  @ApiOperation({ summary: 'Whether the Xero exporter answers and is connected to Xero, in plain words' })
  status(): Promise<XeroStatus> {
    return this.xero.status();
  }

  @Get('connect')
  @Roles('operator')
  @ApiOperation({ summary: "The link that starts the Xero connection (the exporter's /connect); 502 when the exporter does not answer" })
  connect(): Promise<{ url: string }> {
    return this.xero.connectLink();
  }
}
