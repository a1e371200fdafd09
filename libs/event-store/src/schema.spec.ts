import { checkSchemaName, outboxChannel } from './schema';

describe('checkSchemaName', () => {
  it.each(['poller', 'mapper', 'xero_exporter', '_private', 'svc_2'])('accepts %s', (name) => {
    expect(checkSchemaName(name)).toBe(name);
  });
  it.each(['Poller', '2fast', 'a-b', 'x; drop table y', '', 'a'.repeat(64), 'pg_catalog', 'information_schema'])(
    "refuses %j, which is not safe to splice into SQL or is PostgreSQL's own",
    (name) => {
      expect(() => checkSchemaName(name)).toThrow(/event store schema/);
    },
  );
});

describe('outboxChannel', () => {
  it('names the notification channel after the schema', () => {
    expect(outboxChannel('poller')).toBe('poller_outbox');
  });
});
