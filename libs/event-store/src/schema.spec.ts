import { checkSchemaName, outboxChannel, schemaDdl } from './schema';

describe('checkSchemaName', () => {
  it.each(['poller', 'mapper', 'xero_exporter', '_private', 'svc_2'])('accepts %s', (name) => {
    expect(checkSchemaName(name)).toBe(name);
  });
  it.each(['Poller', '2fast', 'a-b', 'x; drop table y', '', 'a'.repeat(64), 'pg_catalog', 'information_schema'])(
    'refuses %j, which is not safe to splice into SQL or is PostgreSQL\'s own',
    (name) => {
      expect(() => checkSchemaName(name)).toThrow(/event store schema/);
    },
  );
});

describe('schemaDdl', () => {
  it('creates everything inside the one schema, idempotently', () => {
    const ddl = schemaDdl('mapper');
    expect(ddl[0]).toBe('create schema if not exists mapper');
    for (const sql of ddl.slice(1)) {
      expect(sql).toMatch(/^create (table|index) if not exists /);
      expect(sql).toMatch(/ mapper\./);
    }
  });
  it('names the notification channel after the schema', () => {
    expect(outboxChannel('poller')).toBe('poller_outbox');
  });
});
