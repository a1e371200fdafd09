import { randomUUID } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import type { EventDefinition } from './define-event';
import { EventEnvelope, ServiceName } from './envelope';
import { definitionForTopic } from './registry';

export interface Decoded<V extends object = object> {
  ok: true;
  envelope: EventEnvelope<V>;
  definition: EventDefinition<V>;
}

/** Why a message was refused: a stable code and every reason found, each naming the field. */
export interface DecodeRejection {
  ok: false;
  code: 'CONTRACT.UNKNOWN_TOPIC' | 'CONTRACT.NOT_JSON' | 'CONTRACT.BAD_ENVELOPE' | 'CONTRACT.WRONG_TYPE' | 'CONTRACT.BAD_PAYLOAD';
  reasons: string[];
  /** What could be read of the envelope, so the task log can place the rejection in its run. */
  partial?: Partial<Pick<EventEnvelope, 'eventId' | 'type' | 'correlationId' | 'key' | 'connectionId'>>;
}

const VALIDATION = { forbidUnknownValues: true, whitelist: false } as const;

export function flattenValidationErrors(errors: ValidationError[], parent = ''): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const path = parent ? `${parent}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) out.push(`${path}: ${message}`);
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, path));
  }
  return out;
}

/** Validates a plain object against a DTO class: the instance, or every reason it fails. */
export function validatePlain<T extends object>(cls: new () => T, plain: unknown): { ok: true; value: T } | { ok: false; reasons: string[] } {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return { ok: false, reasons: ['(root): must be an object'] };
  }
  const value = plainToInstance(cls, plain, { enableImplicitConversion: false });
  const errors = validateSync(value, VALIDATION);
  return errors.length ? { ok: false, reasons: flattenValidationErrors(errors) } : { ok: true, value };
}

/**
 * The one decoder every consumer uses: bytes from `baseTopic` (the registry name, without any
 * deployment prefix) -> a validated envelope with a validated payload, or a typed rejection.
 */
export function decode(baseTopic: string, bytes: Buffer | string | null): Decoded | DecodeRejection {
  const definition = definitionForTopic(baseTopic);
  if (!definition) return { ok: false, code: 'CONTRACT.UNKNOWN_TOPIC', reasons: [`no event is registered on topic ${baseTopic}`] };
  let raw: unknown;
  try {
    raw = JSON.parse(bytes === null ? '' : bytes.toString());
  } catch (err) {
    return { ok: false, code: 'CONTRACT.NOT_JSON', reasons: [`not JSON: ${(err as Error).message}`] };
  }
  const env = validatePlain(EventEnvelope, raw);
  const r = raw as Record<string, unknown>;
  const partial =
    typeof raw === 'object' && raw !== null
      ? {
          eventId: typeof r.eventId === 'string' ? r.eventId : undefined,
          type: typeof r.type === 'string' ? r.type : undefined,
          correlationId: typeof r.correlationId === 'string' ? r.correlationId : undefined,
          key: typeof r.key === 'string' ? r.key : undefined,
          connectionId: typeof r.connectionId === 'string' ? r.connectionId : undefined,
        }
      : undefined;
  if (!env.ok) return { ok: false, code: 'CONTRACT.BAD_ENVELOPE', reasons: env.reasons, partial };
  if (env.value.type !== definition.type || env.value.schemaVersion !== definition.schemaVersion) {
    return {
      ok: false,
      code: 'CONTRACT.WRONG_TYPE',
      reasons: [`topic ${baseTopic} carries ${definition.type} v${definition.schemaVersion}, got ${env.value.type} v${env.value.schemaVersion}`],
      partial,
    };
  }
  const payload = validatePlain(definition.Value, env.value.payload);
  if (!payload.ok) return { ok: false, code: 'CONTRACT.BAD_PAYLOAD', reasons: payload.reasons.map((x) => `payload.${x}`), partial };
  env.value.payload = payload.value;
  return { ok: true, envelope: env.value as EventEnvelope<object>, definition };
}

export interface EnvelopeContext {
  producer: ServiceName;
  connectionId: string;
  correlationId: string;
  causationId?: string | null;
  key: string;
  eventId?: string;
  occurredAt?: Date;
  /**
   * false skips the payload's validation: only for bulk emission of payloads built from typed data
   * whose shape a test proves (consumers validate every message anyway).
   */
  validate?: boolean;
}

/** Builds the envelope of a new event; validates the payload so a producer never emits what consumers refuse. */
export function createEnvelope<V extends object>(definition: EventDefinition<V>, payload: V, ctx: EnvelopeContext): EventEnvelope<V> {
  const check = ctx.validate === false ? ({ ok: true } as const) : validatePlain(definition.Value, payload);
  if (!check.ok) throw new Error(`${definition.type} payload is invalid: ${check.reasons.join('; ')}`);
  return {
    eventId: ctx.eventId ?? randomUUID(),
    type: definition.type,
    schemaVersion: definition.schemaVersion,
    occurredAt: (ctx.occurredAt ?? new Date()).toISOString(),
    correlationId: ctx.correlationId,
    causationId: ctx.causationId ?? null,
    producer: ctx.producer,
    connectionId: ctx.connectionId,
    key: ctx.key,
    payload,
  };
}

export const encode = (envelope: EventEnvelope): Buffer => Buffer.from(JSON.stringify(envelope));
