// The demo: the local Kafka broker, the two sandboxes (LNB and Xero), the four services, all from
// source on this machine, with the Integration Center's address printed at the end. Ctrl-C stops all.
//   npm run demo               (DEMO_DB=lnbx_demo, MONITOR_PORT=4000, KAFKA_PORT=19092)
//   KAFKA_SECURE=1 npm run demo   the same over SASL_SSL with ACLs (KAFKA_PORT=19094), each service as its
//                                 own principal (docs/security.md); otherwise Kafka is plaintext, explicitly
// Two brands, set up as an integrator does it through monitor-api's REST API (tools/demo/brands.mjs): a British one
// (GBP) on the Xero sandbox's "Demo Fashion Ltd" and a Dutch one (EUR, its own mapping) on "Demo Fashion BV", each with
// its own LNB sandbox account; each connected to its organisation through Xero's consent flow, which the sandbox
// grants at once.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { DEMO_BRANDS, setUpBrands } from './brands.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const secure = process.env.KAFKA_SECURE === '1';
const kafkaPort = process.env.KAFKA_PORT ?? (secure ? '19094' : '19092');
const kafkaEnv = { ...process.env, KAFKA_PORT: kafkaPort, KAFKA_SECURE: secure ? '1' : '0' };
const dbName = process.env.DEMO_DB ?? 'lnbx_demo';
const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const logDir = path.join(root, '.local/demo-logs');
const databaseUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

const say = (msg) => console.log(`[demo] ${msg}`);

async function ensureDatabase() {
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL does not answer at ${adminUrl} (${err.message}). Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
    );
  }
  const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [dbName]);
  if (!rowCount) await client.query(`create database ${dbName}`);
  await client.end();
}

// A viewer and an operator key per brand, and the integrator's admin key, per demo start (hashed by monitor-api;
// printed once, below).
const brandKeys = Object.fromEntries(
  DEMO_BRANDS.map((b) => [
    b.id,
    { viewer: `view-${b.id}-${randomBytes(18).toString('base64url')}`, operator: `oper-${b.id}-${randomBytes(18).toString('base64url')}` },
  ]),
);
const adminKey = process.env.DEMO_ADMIN_KEY ?? `admn-${randomBytes(18).toString('base64url')}`;
// The exporter stores Xero tokens encrypted with this key: kept in .local so a restart can read them.
/** A key kept between demo runs in .local/<name> (what it sealed stays readable): Xero tokens, LNB credentials. */
function demoKey(name) {
  const file = path.join(root, `.local/${name}`);
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  // A key file left readable by others (an older demo, a copy) is narrowed: it unlocks what it sealed.
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}
const common = { KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`, DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', KAFKA_SECURITY: 'plaintext' };
/** A service's own principal on the secured broker: paths to its password and the CA, from kafka.sh. */
function kafkaCredentials(app) {
  if (!secure) return {};
  const lines = execFileSync('bash', [path.join(root, 'tools/kafka/kafka.sh'), 'env', app], { env: kafkaEnv, encoding: 'utf8' });
  return Object.fromEntries(
    lines
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}
// On 127.0.0.1 the sandboxes' admin APIs need no token; one set in this shell is passed on, so it is sent too.
const adminHeaders = (variable) => (process.env[variable] ? { authorization: `Bearer ${process.env[variable]}` } : {});
const sandboxes = [
  {
    app: 'lnb-sandbox',
    // Two accounts: the British brand's (GBP, 20% VAT at home, zero-rated exports) and the Dutch brand's (EUR).
    env: {
      LNB_SANDBOX_PORT: '4010',
      LNB_SANDBOX_INVOICES: '200',
      LNB_SANDBOX_ACCOUNT_ID: 'uk',
      LNB_SANDBOX_BRAND: 'uk',
      LNB_SANDBOX_ACCOUNTS: 'nl:demo-nl-client:demo-nl-secret:12:nl',
    },
    url: 'http://127.0.0.1:4010/__admin/state',
    headers: adminHeaders('LNB_SANDBOX_ADMIN_TOKEN'),
  },
  {
    app: 'xero-sandbox',
    env: { XERO_SANDBOX_PORT: '4020', XERO_SANDBOX_STATE_FILE: path.join(root, '.local/xero-sandbox-state.json') },
    url: 'http://127.0.0.1:4020/__admin/state',
    headers: adminHeaders('XERO_SANDBOX_ADMIN_TOKEN'),
  },
];
const monitorPort = process.env.MONITOR_PORT ?? '4000';
// Server to server between monitor-api and the exporter: a new one each run, never written anywhere.
const serviceToken = randomBytes(32).toString('hex');
// The same between monitor-api and the poller (a connection's LNB credentials are handed to the poller).
const pollerServiceToken = randomBytes(32).toString('hex');
const services = [
  {
    app: 'lnb-poller',
    env: {
      HTTP_PORT: '4001',
      LNB_BASE_URL: 'http://127.0.0.1:4010/apis/wholesale/v2',
      POLLER_SERVICE_TOKEN: pollerServiceToken,
      POLLER_CREDENTIALS_KEY: demoKey('demo-poller-credentials-key'),
    },
  },
  { app: 'mapper', env: { HTTP_PORT: '4002' } },
  {
    app: 'xero-exporter',
    env: {
      HTTP_PORT: '4003',
      // The Xero sandbox's app (authorization code): each brand consents to its own organisation (a custom connection
      // reaches one organisation only, so it serves one brand).
      XERO_API_URL: 'http://127.0.0.1:4020/api.xro/2.0',
      XERO_IDENTITY_URL: 'http://127.0.0.1:4020',
      XERO_GRANT: 'authorization_code',
      XERO_CLIENT_ID: 'SANDBOX-AUTHCODE-CLIENT',
      XERO_CLIENT_SECRET: 'sandbox-authcode-secret',
      // Xero sends the browser back to the Integration Center's callback, at the address printed below.
      XERO_REDIRECT_URI: `http://127.0.0.1:${monitorPort}/api/xero/callback`,
      EXPORTER_SERVICE_TOKEN: serviceToken,
      XERO_TOKEN_KEY: demoKey('demo-xero-token-key'),
    },
  },
  {
    app: 'monitor-api',
    env: {
      HTTP_PORT: monitorPort,
      MONITOR_BOOTSTRAP_KEYS: [
        ...Object.entries(brandKeys).flatMap(([id, k]) => [`viewer@${id}:${k.viewer}`, `operator@${id}:${k.operator}`]),
        `admin:${adminKey}`,
      ].join(','),
      EXPORTER_INTERNAL_URL: 'http://127.0.0.1:4003',
      EXPORTER_SERVICE_TOKEN: serviceToken,
      POLLER_INTERNAL_URL: 'http://127.0.0.1:4001',
      POLLER_SERVICE_TOKEN: pollerServiceToken,
    },
  },
];

const children = [];
function start({ app, env }) {
  const main = path.join(root, `apps/${app}/src/main.ts`);
  if (!existsSync(main)) {
    say(`${app}: not built yet in this version, skipped`);
    return null;
  }
  const out = createWriteStream(path.join(logDir, `${app}.log`), { flags: 'a' });
  const child = spawn(process.execPath, ['-r', path.join(root, 'tools/runtime/register-ts.js'), main], {
    cwd: root,
    env: { ...process.env, ...common, ...(services.some((s) => s.app === app) ? kafkaCredentials(app) : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  child.on('exit', (code, signal) => {
    if (!stopping) say(`${app} exited (${code ?? signal}); see ${path.relative(root, logDir)}/${app}.log`);
  });
  children.push({ app, child });
  return child;
}

async function waitReady(name, url, headers = {}, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { headers });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${name} not ready at ${url} after ${timeoutMs / 1000}s (see .local/demo-logs/${name}.log)`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

let stopping = false;
let startedKafka = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  say('stopping...');
  for (const { child } of children) child.kill('SIGTERM');
  await Promise.all(children.map(({ child }) => (child.exitCode !== null ? null : new Promise((r) => child.on('exit', r)))));
  if (startedKafka && process.env.DEMO_KEEP_KAFKA !== '1')
    execFileSync('bash', [path.join(root, 'tools/kafka/kafka.sh'), 'stop'], { stdio: 'inherit', env: kafkaEnv });
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

try {
  mkdirSync(logDir, { recursive: true });
  try {
    execFileSync('bash', [path.join(root, 'tools/kafka/kafka.sh'), 'status'], { stdio: 'ignore', env: kafkaEnv });
  } catch {
    startedKafka = true;
  }
  // Secured, the script also creates the topics and every service's ACLs as admin (kafka.sh setup).
  execFileSync('bash', [path.join(root, 'tools/kafka/kafka.sh'), 'start'], { stdio: 'inherit', env: kafkaEnv });
  await ensureDatabase();
  // The services create no table: the schema migrations run first, as in CI and compose.
  execFileSync('node', [path.join(root, 'tools/migrate/migrate.mjs'), 'up', '--database-url', databaseUrl], { stdio: 'inherit' });
  say(`database ${dbName} ready`);
  for (const s of sandboxes) if (start(s)) await waitReady(s.app, s.url, s.headers).catch((e) => say(e.message));
  for (const s of services) start(s);
  for (const s of services) if (children.some((c) => c.app === s.app)) await waitReady(s.app, `http://127.0.0.1:${s.env.HTTP_PORT}/health/ready`);
  const monitor = `http://127.0.0.1:${services[3].env.HTTP_PORT}`;
  say(
    `all up (Kafka ${secure ? `SASL_SSL on 127.0.0.1:${kafkaPort}, one principal per service` : `PLAINTEXT on 127.0.0.1:${kafkaPort}: local development only`}):`,
  );
  // monitor-api's /metrics names every brand: the admin key (below) reads it, a brand's key is refused.
  for (const s of services) {
    const metrics = s.app === 'monitor-api' ? '/metrics with the admin key' : '/metrics';
    say(`  ${s.app.padEnd(14)} http://127.0.0.1:${s.env.HTTP_PORT}  (health: /health/ready, metrics: ${metrics})`);
  }
  for (const s of sandboxes) if (children.some((c) => c.app === s.app)) say(`  ${s.app.padEnd(14)} ${s.url}`);
  await setUpBrands({ monitor, adminKey, xeroSandbox: 'http://127.0.0.1:4020' }, DEMO_BRANDS, (m) => say(`  ${m}`));
  say(`Integration Center: ${monitor}/   (the page asks for a key; API calls send it as x-api-key)`);
  for (const b of DEMO_BRANDS) {
    say(`${b.name} (connection ${b.id}, ${b.baseCurrency}, on "${b.organisation}"):`);
    say(`  viewer key:   ${brandKeys[b.id].viewer}`);
    say(`  operator key: ${brandKeys[b.id].operator}`);
  }
  say(`admin key:    ${adminKey}   (the integrator's: every connection, creates connections and keys; pick the brand in the page)`);
  say(`try: curl -X POST ${monitor}/api/runs -H 'x-api-key: ${brandKeys.uk.operator}' -H 'content-type: application/json' -d '{"flow":"invoices"}'`);
  say(`logs: ${path.relative(root, logDir)}/  -  Ctrl-C stops everything`);
  if (process.env.DEMO_EXIT_WHEN_READY === '1') await stop(0);
} catch (err) {
  console.error(`[demo] ${err.message}`);
  await stop(1);
}
