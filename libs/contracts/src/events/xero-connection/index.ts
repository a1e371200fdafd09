import { IsInt, IsNotEmpty, IsOptional, IsString, Min } from 'class-validator';
import { defineEvent } from '../../define-event';

/** The Kafka key of a connection's Xero connection events, so a loss and its restoration stay in order. */
export const xeroConnectionKey = (connectionId: string): string => `${connectionId}:xero-connection`;

/**
 * The exporter can no longer reach the Xero organisation (the refresh token refused, the consent revoked):
 * its documents wait, unchanged, until someone connects again in the Integration Center.
 */
export namespace XeroConnectionLost {
  export class Value {
    @IsString() @IsNotEmpty() xeroTenantId!: string;
    @IsOptional() @IsString() tenantName?: string;
    /** What happened, in plain words for a finance person. */
    @IsString() @IsNotEmpty() reason!: string;
    /** Stable code: XERO.INVALID_GRANT, XERO.CONSENT_REVOKED, XERO.TOKEN_REFUSED, XERO.INVALID_CLIENT, XERO.CONNECTION_LOST. */
    @IsString() @IsNotEmpty() code!: string;
    /** Documents waiting for Xero when the loss was noticed. */
    @IsInt() @Min(0) waitingDocuments!: number;
  }
  export const definition = defineEvent({
    type: 'XeroConnectionLost',
    schemaVersion: 1,
    topic: 'xero.connection.lost.v1',
    Value,
    kind: 'event',
  });
}

/** The connection is back after a loss: the documents that waited are sent again. */
export namespace XeroConnectionRestored {
  export class Value {
    @IsString() @IsNotEmpty() xeroTenantId!: string;
    @IsOptional() @IsString() tenantName?: string;
    @IsInt() @Min(0) resumedDocuments!: number;
  }
  export const definition = defineEvent({
    type: 'XeroConnectionRestored',
    schemaVersion: 1,
    topic: 'xero.connection.restored.v1',
    Value,
    kind: 'event',
  });
}
