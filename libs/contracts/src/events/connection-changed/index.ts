// A connection (one brand's LNB account joined to one Xero organisation) as monitor-api, its owner, now
// holds it, whole, after each change: the other services learn of connections from this topic alone.
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, Min, ValidateNested } from 'class-validator';
import { defineEvent } from '../../define-event';

/** A connection id: a lower-case slug, used in stream names, Kafka keys and URLs. */
export const CONNECTION_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

export const CONNECTION_STATUSES = ['active', 'paused', 'removed'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** The Xero organisation as the exporter last told it: never connected, connected, lost (to connect again) or disconnected. */
export const CONNECTION_XERO_STATES = ['never', 'connected', 'lost', 'disconnected'] as const;
export type ConnectionXeroState = (typeof CONNECTION_XERO_STATES)[number];

/** What one change did, one per accepted command of the connection aggregate. */
export const CONNECTION_CHANGES = [
  'created',
  'renamed',
  'time_zone_changed',
  'lnb_credentials_set',
  'xero_connected',
  'xero_lost',
  'xero_disconnected',
  'mapping_changed',
  'schedule_changed',
  'selection_changed',
  'paused',
  'resumed',
  'removed',
] as const;
export type ConnectionChange = (typeof CONNECTION_CHANGES)[number];

/** The Xero side of a connection. */
export class ConnectionXero {
  @IsIn(CONNECTION_XERO_STATES) state!: ConnectionXeroState;
  @IsOptional() @IsString() @IsNotEmpty() tenantId!: string | null;
  @IsOptional() @IsString() organisationName!: string | null;
  /** Why it was lost, in plain words; null otherwise. */
  @IsOptional() @IsString() reason!: string | null;
}

/**
 * That LNB credentials were set, by whom and when, with a hint a person recognises (the client id's last
 * four characters): never the credentials, which only the poller holds, sealed.
 */
export class ConnectionLnbCredentials {
  @IsISO8601({ strict: true }) setAt!: string;
  @IsString() @IsNotEmpty() setBy!: string;
  @IsString() @MaxLength(8) hint!: string;
}

/** The last change of a setting the poller or the mapper owns: who asked and when. */
export class ConnectionSettingChange {
  @IsISO8601({ strict: true }) at!: string;
  @IsString() @IsNotEmpty() by!: string;
}

/** The connection's whole state, no secret in it. */
export class ConnectionSnapshot {
  @Matches(CONNECTION_ID_PATTERN) id!: string;
  @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  /** IANA time zone its schedules and days are read in. */
  @IsString() @IsNotEmpty() timeZone!: string;
  /** ISO 4217; null when not said. */
  @IsOptional() @Matches(/^[A-Z]{3}$/) baseCurrency!: string | null;
  @IsIn(CONNECTION_STATUSES) status!: ConnectionStatus;
  @IsOptional() @IsString() pausedReason!: string | null;
  @ValidateNested() @Type(() => ConnectionXero) xero!: ConnectionXero;
  @IsOptional() @ValidateNested() @Type(() => ConnectionLnbCredentials) lnbCredentials!: ConnectionLnbCredentials | null;
  @IsOptional() @ValidateNested() @Type(() => ConnectionSettingChange) mappingChanged!: ConnectionSettingChange | null;
  @IsOptional() @ValidateNested() @Type(() => ConnectionSettingChange) scheduleChanged!: ConnectionSettingChange | null;
  @IsOptional() @ValidateNested() @Type(() => ConnectionSettingChange) selectionChanged!: ConnectionSettingChange | null;
  @IsISO8601({ strict: true }) createdAt!: string;
  @IsString() @IsNotEmpty() createdBy!: string;
  @IsISO8601({ strict: true }) updatedAt!: string;
  /** How many changes the connection has had (its stream's version). */
  @IsInt() @Min(1) version!: number;
}

/**
 * One per change of a connection: the whole state after it, what changed, who did it (an API key's name,
 * or "system" for what monitor-api learned from another service) and when. Keyed by the connection id, so
 * one connection's changes stay in order.
 */
export namespace ConnectionChanged {
  export class Value {
    @IsIn(CONNECTION_CHANGES) change!: ConnectionChange;
    @ValidateNested() @Type(() => ConnectionSnapshot) connection!: ConnectionSnapshot;
    @IsString() @IsNotEmpty() by!: string;
    @IsISO8601({ strict: true }) at!: string;
  }
  export const definition = defineEvent({
    type: 'ConnectionChanged',
    schemaVersion: 1,
    topic: 'monitor.connection.changed.v1',
    Value,
    kind: 'event',
  });
}
