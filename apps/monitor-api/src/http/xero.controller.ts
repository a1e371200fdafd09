// The Xero connection panel's API: the connection in plain words, as the exporter's events told it (the
// monitor never asks the exporter over HTTP), and the link that sends a browser to the exporter's consent page.
import { CONFIG, PG_POOL } from '@lnbx/platform';
import { ConflictException, Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { Roles } from '../auth/auth';
import { MonitorConfig } from '../config';
import { describeXero, type XeroStatus } from '../domain/xero-status';
import { xeroConnectionOf } from '../store/queries';

@ApiTags('xero')
@ApiSecurity('api-key')
@Controller('api/xero')
export class XeroController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool, @Inject(CONFIG) private readonly config: MonitorConfig) {}

  @Get('status')
  @ApiOperation({ summary: 'Whether the Xero exporter is connected to Xero, in plain words, as its events told it (XeroConnectionChanged, Lost, Restored)' })
  async status(): Promise<XeroStatus> {
    const { state, history } = await xeroConnectionOf(this.pool, this.config.connectionId);
    return describeXero(state, history);
  }

  @Get('connect')
  @Roles('operator')
  @ApiOperation({
    summary: "The link that starts the Xero connection: the exporter's /connect, where the browser goes (XERO_EXPORTER_URL). "
      + '503 when XERO_EXPORTER_URL is not set; 409 when the exporter uses a custom connection (nothing to authorise)',
  })
  async connect(): Promise<{ url: string }> {
    const base = this.config.xeroExporterUrl.replace(/\/+$/, '');
    if (!base) throw new ServiceUnavailableException("XERO_EXPORTER_URL is not set, so the monitor does not know where the Xero exporter's connect page is.");
    const { state } = await xeroConnectionOf(this.pool, this.config.connectionId);
    if (state?.grant === 'client_credentials') {
      throw new ConflictException('The Xero exporter uses a Xero custom connection (XERO_GRANT=client_credentials): there is nothing to authorise, it connects by itself.');
    }
    return { url: `${base}/connect` };
  }
}
