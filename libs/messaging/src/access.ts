// Who may write and read which topic on a secured broker. Each event's topic has one owner, the service
// that writes it; a service reads the topics its @EventPattern handlers name and writes the dead-letter
// topics of those, since it is the one that refuses their messages. The ACLs are generated from these
// tables and the registry (aclPlan), never kept by hand; tools/kafka/access.spec.ts checks the tables
// against the apps' code and docs/security.md's matrix against renderAccessMatrix().
import { deadLetterTopic, EVENTS, type EventType, SERVICES, type ServiceName, topicName } from '@lnbx/contracts';

/** The one service that writes each event's topic (access.spec.ts fails for a registry event without one). */
export const TOPIC_OWNERS: Readonly<Record<EventType, ServiceName>> = {
  // Commands enter where people are: monitor-api (its API keys and audit trail stand behind them).
  RunRequested: 'monitor-api',
  ScheduleChangeRequested: 'monitor-api',
  SelectionChangeRequested: 'monitor-api',
  MappingChangeRequested: 'monitor-api',
  AllocationCheckRequested: 'monitor-api',
  RunStarted: 'lnb-poller',
  RunCompleted: 'lnb-poller',
  RunFailed: 'lnb-poller',
  ScheduleChanged: 'lnb-poller',
  SelectionChanged: 'lnb-poller',
  InvoiceDetected: 'lnb-poller',
  CreditNoteDetected: 'lnb-poller',
  MappingChanged: 'mapper',
  DocumentMapped: 'mapper',
  DocumentRejected: 'mapper',
  DocumentExported: 'xero-exporter',
  DocumentExportFailed: 'xero-exporter',
  OrgReferenceDataPublished: 'xero-exporter',
  XeroConnectionLost: 'xero-exporter',
  XeroConnectionRestored: 'xero-exporter',
  XeroConnectionChanged: 'xero-exporter',
  CreditNoteAllocationDeferred: 'xero-exporter',
  CreditNoteAllocated: 'xero-exporter',
  CreditNoteLeftUnallocated: 'xero-exporter',
  // Connections are created and changed where people are, with their API keys behind each change.
  ConnectionChanged: 'monitor-api',
};

/** Writers besides the owner, each with its reason. Every one is a principal that can forge that event. */
export const SHARED_WRITERS: Readonly<Partial<Record<EventType, readonly { service: ServiceName; why: string }[]>>> = {
  RunRequested: [
    {
      service: 'lnb-poller',
      why: 'its scheduler fires a due schedule as a RunRequested (trigger "schedule") through its own outbox, and runs it when it comes back',
    },
  ],
};

/** The topics each service's @EventPattern handlers name ('every': all of the registry). */
export const SUBSCRIPTIONS: Readonly<Record<ServiceName, readonly EventType[] | 'every'>> = {
  'lnb-poller': ['RunRequested', 'ScheduleChangeRequested', 'SelectionChangeRequested', 'ConnectionChanged'],
  mapper: ['InvoiceDetected', 'CreditNoteDetected', 'OrgReferenceDataPublished', 'MappingChangeRequested'],
  'xero-exporter': ['DocumentMapped', 'AllocationCheckRequested', 'ConnectionChanged'],
  // Runs, task logs, document histories and metrics are projections of every topic.
  'monitor-api': 'every',
};

/** Services that read every dead-letter topic (monitor-api shows refused messages in the task log). */
export const DEAD_LETTER_READERS: readonly ServiceName[] = ['monitor-api'];

/**
 * The consumer groups each service joins, before the topic prefix: its transport's group is its name;
 * monitor-api also reads the dead-letter topics in a group of their own (apps/monitor-api DLQ_GROUP_SUFFIX).
 */
export const CONSUMER_GROUPS: Readonly<Record<ServiceName, readonly string[]>> = {
  'lnb-poller': ['lnb-poller'],
  mapper: ['mapper'],
  'xero-exporter': ['xero-exporter'],
  'monitor-api': ['monitor-api', 'monitor-api.dlq'],
};

/** Services that read the committed offsets of every service's group (monitor-api's consumer-lag gauge). */
export const GROUP_OBSERVERS: readonly ServiceName[] = ['monitor-api'];

const typeOfTopic = new Map<string, EventType>(EVENTS.map((d) => [d.topic, d.type]));
const topicOfType = new Map<EventType, string>(EVENTS.map((d) => [d.type, d.topic]));
const byTopicOrder = (topics: Iterable<string>): string[] => {
  const order = EVENTS.flatMap((d) => [d.topic, deadLetterTopic(d.topic)]);
  return [...new Set(topics)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
};

/** The event types a service handles. */
export function subscriptionsOf(service: ServiceName): EventType[] {
  const s = SUBSCRIPTIONS[service];
  return s === 'every' ? EVENTS.map((d) => d.type) : [...s];
}

/** The services that write an event's topic: its owner first, then the shared writers. */
export function writersOf(type: EventType): ServiceName[] {
  const owner = TOPIC_OWNERS[type];
  if (!owner) throw new Error(`${type} has no owner in libs/messaging/src/access.ts: no ACL can be made for its topic`);
  return [owner, ...(SHARED_WRITERS[type] ?? []).map((w) => w.service)];
}

/** The services that handle an event, and so write its dead-letter topic. */
export function readersOf(type: EventType): ServiceName[] {
  return SERVICES.filter((s) => subscriptionsOf(s).includes(type));
}

/** What one service may do, in registry names (before the topic prefix). */
export interface ServiceAccess {
  service: ServiceName;
  /** Topics it writes: the events it owns or shares, and the dead-letter topics of what it reads. */
  writes: string[];
  /** Topics it reads: its subscriptions, and for monitor-api every dead-letter topic. */
  reads: string[];
  /** Consumer groups it joins. */
  groups: string[];
  /** Groups whose committed offsets it may read (not join). */
  observedGroups: string[];
}

export function accessOf(service: ServiceName): ServiceAccess {
  const subscribed = subscriptionsOf(service).map((t) => topicOfType.get(t)!);
  const owned = EVENTS.filter((d) => writersOf(d.type).includes(service)).map((d) => d.topic);
  const deadLetters = DEAD_LETTER_READERS.includes(service) ? EVENTS.map((d) => deadLetterTopic(d.topic)) : [];
  const groups = [...CONSUMER_GROUPS[service]];
  return {
    service,
    writes: byTopicOrder([...owned, ...subscribed.map(deadLetterTopic)]),
    reads: byTopicOrder([...subscribed, ...deadLetters]),
    groups,
    observedGroups: GROUP_OBSERVERS.includes(service) ? SERVICES.flatMap((s) => CONSUMER_GROUPS[s]).filter((g) => !groups.includes(g)) : [],
  };
}

/** A registry topic's event type; undefined for a dead-letter topic or a foreign name. */
export const eventTypeOfTopic = (topic: string): EventType | undefined => typeOfTopic.get(topic);

/** One ACL: ALLOW, from any host, on a LITERAL resource name. */
export interface AclGrant {
  principal: string;
  resourceType: 'topic' | 'group';
  name: string;
  operation: 'READ' | 'WRITE' | 'DESCRIBE';
}

/** `User:<service>`: the SCRAM user of each service is its name (KAFKA_SASL_USERNAME's default). */
export const principalOf = (service: ServiceName): string => `User:${service}`;

/**
 * Every ACL of a deployment whose topics carry `prefix`. READ and WRITE imply DESCRIBE on a topic;
 * nothing grants CREATE, ALTER or any cluster operation: the admin's setup step creates the topics,
 * and an idempotent producer needs only WRITE on its topics (Kafka 3+).
 */
export function aclPlan(prefix: string, principal: (s: ServiceName) => string = principalOf): AclGrant[] {
  return SERVICES.flatMap((service) => {
    const a = accessOf(service);
    const p = principal(service);
    return [
      ...a.writes.map((t): AclGrant => ({ principal: p, resourceType: 'topic', name: topicName(prefix, t), operation: 'WRITE' })),
      ...a.reads.map((t): AclGrant => ({ principal: p, resourceType: 'topic', name: topicName(prefix, t), operation: 'READ' })),
      ...a.groups.map((g): AclGrant => ({ principal: p, resourceType: 'group', name: `${prefix}${g}`, operation: 'READ' })),
      ...a.observedGroups.map((g): AclGrant => ({ principal: p, resourceType: 'group', name: `${prefix}${g}`, operation: 'DESCRIBE' })),
    ];
  });
}

/** The matrix of docs/security.md, as markdown: one row per topic, then the consumer groups. */
export function renderAccessMatrix(): string {
  const list = (services: readonly string[]) => (services.length ? services.map((s) => `\`${s}\``).join(', ') : '-');
  const rows = EVENTS.map((d) => {
    const shared = (SHARED_WRITERS[d.type] ?? []).map((w) => `\`${w.service}\` (shared: ${w.why})`);
    return `| \`${d.topic}\` | ${[list([TOPIC_OWNERS[d.type]]), ...shared].join(', ')} | ${list(readersOf(d.type))} |`;
  });
  const groups = SERVICES.map(
    (s) =>
      `| \`User:${s}\` | ${CONSUMER_GROUPS[s].map((g) => `\`<prefix>${g}\``).join(', ')} | ${accessOf(s).observedGroups.length ? 'the offsets of every other group (the consumer-lag gauge)' : '-'} |`,
  );
  return [
    '| topic | written by | read by (each also writes `<topic>.dlq`) |',
    '|---|---|---|',
    ...rows,
    '',
    `Every \`<topic>.dlq\` is read by ${list(DEAD_LETTER_READERS)}.`,
    '',
    '| principal | joins the consumer groups (READ) | may also read (DESCRIBE) |',
    '|---|---|---|',
    ...groups,
  ].join('\n');
}
