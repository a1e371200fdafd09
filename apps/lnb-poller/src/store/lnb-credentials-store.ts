// Each connection's LNB credentials, sealed (poller.lnb_credentials): the client id and secret as one JSON
// value encrypted with POLLER_CREDENTIALS_KEY, the connection id bound as associated data. Written only after
// LNB accepted them. Each run opens its connection's row here (LnbClients.forRun): the only credentials a run uses
// (a connection with none fails its runs with POLLER.NO_LNB_CREDENTIALS; no other connection's are ever tried).
import { CodedError } from '@lnbx/contracts';
import { PG_POOL, type SecretCipher } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { SCHEMA } from './schema';

/** The cipher of POLLER_CREDENTIALS_KEY, or undefined when the key is not set (the endpoint is then not served). */
export const CREDENTIALS_CIPHER = Symbol('CredentialsCipher');

export interface LnbCredentials {
  clientId: string;
  clientSecret: string;
}

/** Where a connection's sealed credentials live: the associated data they are sealed with. */
export const credentialsContext = (connectionId: string): string => `connection:${connectionId}:lnb_credentials`;

@Injectable()
export class LnbCredentialsStore {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CREDENTIALS_CIPHER) private readonly cipher: SecretCipher | undefined,
  ) {}

  get configured(): boolean {
    return this.cipher !== undefined;
  }

  async save(connectionId: string, credentials: LnbCredentials): Promise<void> {
    const sealed = this.cipher!.encrypt(JSON.stringify(credentials), credentialsContext(connectionId));
    await this.pool.query(
      `insert into ${SCHEMA}.lnb_credentials (connection_id, sealed) values ($1, $2)
       on conflict (connection_id) do update set sealed = excluded.sealed, updated_at = now()`,
      [connectionId, sealed],
    );
  }

  async load(connectionId: string): Promise<LnbCredentials | null> {
    const { rows } = await this.pool.query<{ sealed: string }>(`select sealed from ${SCHEMA}.lnb_credentials where connection_id = $1`, [connectionId]);
    if (!rows.length) return null;
    try {
      return JSON.parse(this.cipher!.decrypt(rows[0].sealed, credentialsContext(connectionId))) as LnbCredentials;
    } catch (err) {
      throw new CodedError(
        'POLLER.CREDENTIALS_UNREADABLE',
        `The LNB credentials stored for connection ${connectionId} cannot be opened (${(err as Error).message}); set them again (PUT /api/connections/${connectionId}/lnb-credentials).`,
      );
    }
  }
}
