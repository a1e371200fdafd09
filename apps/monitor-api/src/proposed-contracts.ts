// PROPOSED CONTRACT, NOT WIRED TO KAFKA. For libs/contracts (events/xero-connection/index.ts, exported
// as a namespace like the others and added to EVENTS after OrgReferenceDataPublished). Until it exists,
// monitor-api polls the exporter's GET /connections/status (MONITOR_XERO_STATUS_POLL_SECONDS) to
// notice a lost connection; with it, the loss would be a fact in the task log, rebuildable, and
// notified the moment the exporter sees it (a refused refresh token, a revoked tenant).
import { IsIn, IsISO8601, IsOptional, IsString } from 'class-validator';

export const XERO_CONNECTION_STATUSES = ['connected', 'disconnected', 'expired', 'revoked'] as const;

/** XeroConnectionChanged v1, topic `xero.connection.changed.v1`, key `<connection>:xero`, producer xero-exporter. */
export class ProposedXeroConnectionChangedValue {
  @IsIn(XERO_CONNECTION_STATUSES) status!: (typeof XERO_CONNECTION_STATUSES)[number];
  @IsOptional() @IsString() xeroTenantId?: string | null;
  @IsOptional() @IsString() organisationName?: string | null;
  /** Why, in plain words, with a stable code (XERO.TOKEN_REVOKED, XERO.REFRESH_FAILED, ...); absent when connected. */
  @IsOptional() @IsString() code?: string | null;
  @IsOptional() @IsString() message?: string | null;
  @IsISO8601() changedAt!: string;
}

export const PROPOSED_XERO_CONNECTION_CHANGED = {
  type: 'XeroConnectionChanged', schemaVersion: 1, topic: 'xero.connection.changed.v1', Value: ProposedXeroConnectionChangedValue, kind: 'event',
} as const;
