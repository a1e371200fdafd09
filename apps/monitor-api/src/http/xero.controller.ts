// The Xero connection panel's API: the status in plain words and the link that starts a connection.
import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth';
import type { XeroStatus } from '../domain/xero-status';
import { XeroConnection } from '../workers/xero-connection';

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
