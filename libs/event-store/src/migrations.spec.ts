import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { EVENT_STORE_MIGRATION } from './migrations';

describe('the event store migrations', () => {
  it('names the last migration of its folder as the one the code needs', () => {
    const files = readdirSync(path.resolve(__dirname, '../migrations'))
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(files.at(-1)).toBe(`${EVENT_STORE_MIGRATION}.sql`);
  });
});
