// API keys of monitor-api, from the command line (DATABASE_URL as for the service):
//   node -r ./tools/runtime/register-ts.js apps/monitor-api/src/cli/api-keys.ts create <viewer|operator|admin> <name>
//   ... list | revoke <name>
// `create` prints the new key once; only its salted hash is stored.
import 'reflect-metadata';
import { assertMigrated } from '@lnbx/event-store';
import { loadConfig } from '@lnbx/platform';
import { Pool } from 'pg';
import { createApiKey, listApiKeys, revokeApiKey } from '../store/api-keys.repository';
import { MonitorConfig } from '../config';
import { ROLES, type Role } from '../domain/api-keys';
import { REQUIRED_MIGRATION, SCHEMA } from '../store/schema';

const USAGE = 'usage: api-keys.ts create <viewer|operator|admin> <name> | list | revoke <name>';

async function main([command, ...args]: string[]): Promise<void> {
  const config = loadConfig(MonitorConfig);
  const pool = new Pool({ connectionString: config.databaseUrl, application_name: 'monitor-api-keys' });
  try {
    await assertMigrated(pool, { schema: SCHEMA, own: REQUIRED_MIGRATION });
    if (command === 'create') {
      const [role, name] = args;
      if (!(ROLES as readonly string[]).includes(role) || !name) throw new Error(USAGE);
      const created = await createApiKey(pool, name, role as Role);
      process.stdout.write(`${created.role} key "${created.name}": ${created.key}\n`);
    } else if (command === 'list') {
      for (const k of await listApiKeys(pool))
        process.stdout.write(`${k.name}\t${k.role}\t${new Date(k.createdAt).toISOString()}${k.revokedAt ? '\trevoked' : ''}\n`);
    } else if (command === 'revoke') {
      if (!args[0]) throw new Error(USAGE);
      process.stdout.write((await revokeApiKey(pool, args[0])) ? `revoked ${args[0]}\n` : `no active key named ${args[0]}\n`);
    } else {
      throw new Error(USAGE);
    }
  } finally {
    await pool.end();
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
