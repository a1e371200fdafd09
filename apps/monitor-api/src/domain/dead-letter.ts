// Reads a dead letter as the transport writes it: the original bytes as the value, and headers naming
// the code, the reasons (a JSON array), where it came from and which consumer group refused it.
import { baseTopic, CONNECTION_ID_PATTERN } from '@lnbx/contracts';
import type { DeadLetterRecord } from './log-lines';

type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

export interface RawDeadLetter {
  /** The dead-letter topic as deployed (prefixed). */
  dlqTopic: string;
  partition: number;
  offset: string;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers: Record<string, HeaderValue>;
  /** When Kafka stored it (ms since epoch, as a string), for letters without x-failed-at. */
  timestamp: string;
}

const text = (v: HeaderValue): string | undefined => {
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
};

function reasonsOf(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed)) return parsed.map(String);
    return [String(parsed)];
  } catch {
    return [raw];
  }
}

type Hints = { correlationId: string | null; eventType: string | null; key: string | null; connectionId: string | null };
const NO_HINTS: Hints = { correlationId: null, eventType: null, key: null, connectionId: null };

function envelopeHints(value: Buffer | string | null): Hints {
  try {
    const parsed: unknown = JSON.parse(value === null ? '' : value.toString());
    if (typeof parsed !== 'object' || parsed === null) return NO_HINTS;
    const o = parsed as Record<string, unknown>;
    const str = (x: unknown): string | null => (typeof x === 'string' && x.length > 0 ? x : null);
    const connectionId = str(o.connectionId);
    return {
      correlationId: str(o.correlationId),
      eventType: str(o.type),
      key: str(o.key),
      // Only an id that could be one: the line is shown to that connection's keys.
      connectionId: connectionId && CONNECTION_ID_PATTERN.test(connectionId) ? connectionId : null,
    };
  } catch {
    return NO_HINTS;
  }
}

export function parseDeadLetter(m: RawDeadLetter, prefix: string): DeadLetterRecord {
  const h = m.headers ?? {};
  const originalTopic = text(h['x-original-topic']) ?? m.dlqTopic.replace(/\.dlq$/, '');
  const partition = text(h['x-original-partition']) ?? '?';
  const offset = text(h['x-original-offset']) ?? `dlq${m.partition}:${m.offset}`;
  const group = text(h['x-consumer-group']) ?? '';
  const hints = envelopeHints(m.value);
  const failedAt = text(h['x-failed-at']);
  return {
    id: `${originalTopic}/${partition}/${offset}/${group}`,
    topic: baseTopic(prefix, originalTopic),
    code: text(h['x-dlq-code']) ?? 'DLQ.UNKNOWN',
    reasons: reasonsOf(text(h['x-dlq-reasons'])),
    consumerGroup: group ? baseTopic(prefix, group) : '',
    failedAt: failedAt && !Number.isNaN(Date.parse(failedAt)) ? new Date(failedAt).toISOString() : new Date(Number(m.timestamp) || 0).toISOString(),
    correlationId: hints.correlationId,
    eventType: hints.eventType,
    key: hints.key ?? (m.key === null ? null : m.key.toString()),
    connectionId: hints.connectionId,
  };
}
