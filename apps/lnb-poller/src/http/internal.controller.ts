// What monitor-api asks of the poller (behind ServiceTokenGuard): to check a connection's LNB credentials
// with LNB at once and keep them, sealed. The credentials never leave this service again, and are never
// logged: what LNB said is passed on with the secret redacted.
import { CONNECTION_ID_PATTERN, redact } from '@lnbx/contracts';
import { isLnbError } from '@lnbx/lnb-client';
import { BadRequestException, Body, Controller, HttpCode, Param, Put, ServiceUnavailableException, ValidationPipe } from '@nestjs/common';
import { IsString, Length } from 'class-validator';
import { LnbCredentialsStore } from '../store/lnb-credentials-store';
import { LnbClients } from '../workers/lnb-clients';

export class LnbCredentialsRequest {
  @IsString()
  @Length(1, 256)
  clientId!: string;

  @IsString()
  @Length(1, 1024)
  clientSecret!: string;
}

/** A field missing, extra or malformed is a 400 naming it. */
const BODY = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true });

@Controller('internal/connections')
export class InternalConnectionsController {
  constructor(
    private readonly clients: LnbClients,
    private readonly credentials: LnbCredentialsStore,
  ) {}

  /** 204 once LNB granted a token with them and they are stored; 400 when LNB refused them; 503 when LNB could not tell. */
  @Put(':connectionId/lnb-credentials')
  @HttpCode(204)
  async setLnbCredentials(@Param('connectionId') connectionId: string, @Body(BODY) body: LnbCredentialsRequest): Promise<void> {
    if (!CONNECTION_ID_PATTERN.test(connectionId)) throw new BadRequestException(['connectionId must be lower-case letters, digits and dashes']);
    if (!this.credentials.configured) throw new ServiceUnavailableException('POLLER_CREDENTIALS_KEY is not set: this poller cannot keep LNB credentials');
    const client = this.clients.forCredentials(connectionId, body);
    try {
      await client.checkCredentials();
    } catch (err) {
      if (!isLnbError(err)) throw err;
      const said = redact(err.message, [body.clientSecret]);
      if (err.code === 'LNB.AUTH_REFUSED') {
        throw new BadRequestException({
          statusCode: 400,
          code: 'LNB.CREDENTIALS_REFUSED',
          message: `Le New Black refused this client id and secret, so they were not stored: check them in Le New Black (${said}).`,
        });
      }
      throw new ServiceUnavailableException({
        statusCode: 503,
        code: err.code,
        message: `Le New Black could not check the credentials, so they were not stored: ${said}`,
      });
    }
    await this.credentials.save(connectionId, body);
  }
}
