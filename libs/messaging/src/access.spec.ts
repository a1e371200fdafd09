// The ACL plan as a promise: each topic has one writer (plus the shared writers named with their reason),
// a dead-letter topic is written only by the consumers that refuse its messages, and no principal
// holds more than it uses.
import { deadLetterTopic, EVENTS, RunRequested, SERVICES, topicName } from '@lnbx/contracts';
import { accessOf, aclPlan, readersOf, SHARED_WRITERS, TOPIC_OWNERS, writersOf } from './access';

const grantsOn = (prefix: string, name: string, operation: string) =>
  aclPlan(prefix)
    .filter((g) => g.resourceType === 'topic' && g.name === name && g.operation === operation)
    .map((g) => g.principal)
    .sort();

describe('the Kafka access plan', () => {
  it('names an owner for every event of the registry, and nothing else', () => {
    expect(Object.keys(TOPIC_OWNERS).sort()).toEqual(EVENTS.map((d) => d.type).sort());
    for (const owner of Object.values(TOPIC_OWNERS)) expect(SERVICES).toContain(owner);
  });

  it('gives every topic exactly one writer, besides the shared writers listed with their reason', () => {
    for (const d of EVENTS) {
      const shared = (SHARED_WRITERS[d.type] ?? []).map((w) => `User:${w.service}`);
      expect({ topic: d.topic, writers: grantsOn('', d.topic, 'WRITE') }).toEqual({
        topic: d.topic,
        writers: [`User:${TOPIC_OWNERS[d.type]}`, ...shared].sort(),
      });
    }
    for (const writers of Object.values(SHARED_WRITERS)) {
      for (const w of writers ?? []) expect(w.why.length).toBeGreaterThan(20);
    }
  });

  it('lets only the consumers of a topic write its dead-letter topic, and only monitor-api read them', () => {
    for (const d of EVENTS) {
      const dlq = deadLetterTopic(d.topic);
      expect({ dlq, writers: grantsOn('', dlq, 'WRITE') }).toEqual({
        dlq,
        writers: readersOf(d.type)
          .map((s) => `User:${s}`)
          .sort(),
      });
      expect({ dlq, readers: grantsOn('', dlq, 'READ') }).toEqual({ dlq, readers: ['User:monitor-api'] });
    }
  });

  it('keeps RunRequested to monitor-api and the scheduler of lnb-poller: the mapper and the exporter cannot forge a run', () => {
    expect(writersOf(RunRequested.definition.type)).toEqual(['monitor-api', 'lnb-poller']);
    expect(grantsOn('prod.', topicName('prod.', RunRequested.definition.topic), 'WRITE')).toEqual(['User:lnb-poller', 'User:monitor-api']);
    expect(accessOf('mapper').writes).not.toContain(RunRequested.definition.topic);
    expect(accessOf('xero-exporter').writes).not.toContain(RunRequested.definition.topic);
  });

  it('grants only READ, WRITE and DESCRIBE on literal names under the prefix: no CREATE, no cluster operation', () => {
    const plan = aclPlan('acme.');
    expect(new Set(plan.map((g) => g.operation))).toEqual(new Set(['READ', 'WRITE', 'DESCRIBE']));
    for (const g of plan) expect(g.name.startsWith('acme.')).toBe(true);
    expect(plan.filter((g) => g.operation === 'DESCRIBE').every((g) => g.resourceType === 'group' && g.principal === 'User:monitor-api')).toBe(true);
    expect(new Set(plan.map((g) => g.principal))).toEqual(new Set(SERVICES.map((s) => `User:${s}`)));
    expect(new Set(plan.map((g) => JSON.stringify(g))).size).toBe(plan.length);
  });

  it('gives each service its own consumer group, and monitor-api every topic and a view of the other groups', () => {
    expect(accessOf('mapper').groups).toEqual(['mapper']);
    expect(accessOf('mapper').observedGroups).toEqual([]);
    const monitor = accessOf('monitor-api');
    expect(monitor.groups).toEqual(['monitor-api', 'monitor-api.dlq']);
    expect(monitor.observedGroups).toEqual(['lnb-poller', 'mapper', 'xero-exporter']);
    expect(monitor.reads).toHaveLength(EVENTS.length * 2);
  });

  it("reads no topic a service does not handle: the poller reads its three commands and the connections' changes only", () => {
    expect(accessOf('lnb-poller').reads).toEqual([
      'lnb.run.requested.v1',
      'lnb.schedule.change-requested.v1',
      'lnb.selection.change-requested.v1',
      'monitor.connection.changed.v1',
    ]);
  });
});
