import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, Matches, Min } from 'class-validator';

/** The services that emit events; an envelope names its producer so a task log can say who spoke. */
export const SERVICES = ['lnb-poller', 'mapper', 'xero-exporter', 'monitor-api'] as const;
export type ServiceName = (typeof SERVICES)[number];

/**
 * Every message on every topic is one envelope, JSON-encoded. The Kafka key is `key`: the document key
 * for document events (so one document's events stay in order on one partition), `<connection>:<flow>`
 * for run and configuration events.
 */
export class EventEnvelope<P = unknown> {
  @IsUUID()
  eventId!: string;

  @IsString()
  @Matches(/^[A-Z][A-Za-z]+$/, { message: 'type must be an event name in PascalCase' })
  type!: string;

  @IsInt()
  @Min(1)
  schemaVersion!: number;

  @IsISO8601({ strict: true })
  occurredAt!: string;

  /** The run this event belongs to: a run's task log is every event with its correlationId. */
  @IsString()
  @IsNotEmpty()
  correlationId!: string;

  /** The eventId of the event that caused this one; null for the first event of a chain. */
  @IsOptional()
  @IsString()
  causationId!: string | null;

  @IsIn(SERVICES)
  producer!: ServiceName;

  /** The LNB connection (tenant) concerned. */
  @IsString()
  @IsNotEmpty()
  connectionId!: string;

  @IsString()
  @IsNotEmpty()
  key!: string;

  @IsObject()
  @Type(() => Object)
  payload!: P;
}
