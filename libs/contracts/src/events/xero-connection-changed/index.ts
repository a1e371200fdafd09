import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, ValidateNested } from 'class-validator';
import { defineEvent } from '../../define-event';

/**
 * `choosing`: a consent gave access to several organisations and none is connected yet: an operator picks
 * the one for the brand (`organisations`); nothing is sent to Xero meanwhile.
 */
export const XERO_CONNECTION_STATUSES = ['connected', 'disconnected', 'choosing'] as const;
export type XeroConnectionStatus = (typeof XERO_CONNECTION_STATUSES)[number];

/**
 * Why the state was told: `connected` (consent given, or a custom connection made; a new organisation
 * chosen), `lost` (it was connected and no longer is: a refresh refused, the consent revoked),
 * `not_connected` (still not connected, for a new reason: an attempt to connect failed), `disconnected`
 * (someone pressed "Disconnect" in the Integration Center: revoked at Xero, `reason` says who), `choose` (a
 * consent gave access to several organisations: one is to be picked, `organisations` lists them), `announced`
 * (the state as the exporter holds it, told once at its start because it had never been told).
 */
export const XERO_CONNECTION_CHANGES = ['connected', 'lost', 'not_connected', 'disconnected', 'choose', 'announced'] as const;
export type XeroConnectionChange = (typeof XERO_CONNECTION_CHANGES)[number];

/** How the exporter is authorised: consent in a browser (GET /connect), or a Xero custom connection. */
export const XERO_GRANTS = ['authorization_code', 'client_credentials'] as const;
export type XeroGrant = (typeof XERO_GRANTS)[number];

/** An organisation a consent gave access to, as Xero's /connections names it. */
export class XeroOrganisationOption {
  @IsString() @IsNotEmpty() tenantId!: string;
  @IsString() tenantName!: string;
}

/**
 * The Xero connection of an LNB connection as the exporter now holds it, whole (not a difference): the
 * monitor's Integration Center shows the last one. Keyed like XeroConnectionLost / Restored
 * (`xeroConnectionKey`), so one connection's states stay in order. Never carries a token or a secret:
 * those stay sealed in the exporter.
 */
export namespace XeroConnectionChanged {
  export class Value {
    @IsIn(XERO_CONNECTION_STATUSES) status!: XeroConnectionStatus;
    @IsIn(XERO_CONNECTION_CHANGES) change!: XeroConnectionChange;
    @IsIn(XERO_GRANTS) grant!: XeroGrant;
    /** The organisation chosen; absent until one was (kept after a loss: the one to connect again). */
    @IsOptional() @IsString() @IsNotEmpty() xeroTenantId?: string;
    @IsOptional() @IsString() tenantName?: string;
    /** The organisation's short code (Xero's /Organisation), which links into Xero name; absent until read. */
    @IsOptional() @IsString() @IsNotEmpty() shortCode?: string;
    /** When it last connected; absent when it never did. */
    @IsOptional() @IsISO8601({ strict: true }) connectedAt?: string;
    /** Why it is not connected, in plain words for a finance person; absent while connected. */
    @IsOptional() @IsString() reason?: string;
    /** The stable code of a loss (XERO.INVALID_GRANT, XERO.CONSENT_REVOKED, ...) when one is known. */
    @IsOptional() @IsString() code?: string;
    /**
     * Who disconnected it in the Integration Center (an API key's name), while that is why it is not connected;
     * while connected, who picked its organisation among those a consent gave (absent when the consent gave one).
     */
    @IsOptional() @IsString() @IsNotEmpty() by?: string;
    /** While `choosing`: the organisations the consent gave access to, one of which is to be picked. */
    @IsOptional()
    @IsArray()
    @ArrayMinSize(2)
    @ArrayMaxSize(1000)
    @ValidateNested({ each: true })
    @Type(() => XeroOrganisationOption)
    organisations?: XeroOrganisationOption[];
  }
  export const definition = defineEvent({
    type: 'XeroConnectionChanged',
    schemaVersion: 1,
    topic: 'xero.connection.changed.v1',
    Value,
    kind: 'event',
  });
}
