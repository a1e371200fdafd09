// API keys of monitor-api, from the command line (DATABASE_URL as for the service):
//   node -r ./tools/runtime/register-ts.js apps/monitor-api/src/cli/api-keys.ts create <viewer|operator> <name> <connection>
//   ... create admin <name> | list [connection] | revoke <name>
// A viewer or operator key belongs to one connection (a brand's finance team), an admin key to the deployment.
// `create` prints the new key once; only its salted hash is stored.
import 'reflect-metadata';
import { CONNECTION_ID_PATTERN } from '@lnbx/contracts';
import { assertMigrated } from '@lnbx/event-store';
import { loadConfig } from '@lnbx/platform';
import { Pool } from 'pg';
import { createApiKey, listApiKeys, revokeApiKey } from '../store/api-keys.repository';
import { MonitorConfig } from '../config';
import { keyBelongsToConnection, ROLES, type Role } from '../domain/api-keys';
import { REQUIRED_MIGRATION, SCHEMA } from '../store/schema';

const USAGE = 'usage: api-keys.ts create <viewer|operator> <name> <connection> | create admin <name> | list [connection] | revoke <name>';

function newKey([role, name, connection, ...more]: string[]): { name: string; role: Role; connectionId: string | null } {
  if (!(ROLES as readonly string[]).includes(role) || !name || more.length) throw new Error(USAGE);
  if (keyBelongsToConnection(role as Role) !== (connection !== undefined))
    throw new Error(
      role === 'admin' ? 'an admin key belongs to the deployment: name no connection' : `a ${role} key belongs to one connection: name it\n${USAGE}`,
    );
  if (connection !== undefined && !CONNECTION_ID_PATTERN.test(connection)) throw new Error(`${connection} is not a connection id`);
  return { name, role: role as Role, connectionId: connection ?? null };
}

async function main([command, ...args]: string[]): Promise<void> {
  const config = loadConfig(MonitorConfig);
  const pool = new Pool({ connectionString: config.databaseUrl, application_name: 'monitor-api-keys' });
  try {
    await assertMigrated(pool, { schema: SCHEMA, own: REQUIRED_MIGRATION });
    if (command === 'create') {
      const created = await createApiKey(pool, newKey(args));
      if (!created) throw new Error(`a key named ${args[1]} exists already (revoked ones included): choose another name`);
      process.stdout.write(`${created.role} key "${created.name}"${created.connectionId ? ` of ${created.connectionId}` : ''}: ${created.key}\n`);
    } else if (command === 'list') {
      for (const k of await listApiKeys(pool, args[0]))
        process.stdout.write(`${k.name}\t${k.role}\t${k.connectionId ?? '(deployment)'}\t${k.createdAt}${k.revokedAt ? '\trevoked' : ''}\n`);
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
