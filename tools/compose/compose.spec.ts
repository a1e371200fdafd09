// docker-compose.yml refuses to start without its secrets: each is `${NAME:?message}`, never a default nor a
// value written in the file (a key in a public repository is everyone's), and tools/compose/secrets.sh makes
// exactly those, random, in a file only its owner can read.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { load } from 'js-yaml';

const ROOT = path.resolve(__dirname, '../..');
const SECRETS_SH = path.join(ROOT, 'tools/compose/secrets.sh');

/** A name that holds a secret (a password, a client secret, a token, a key); a path to one (…_FILE) holds none. */
const isSecretName = (name: string): boolean => /(PASSWORD|SECRET|TOKEN|KEYS?)(_|$)/.test(name) && !name.endsWith('_FILE');

interface Reference {
  where: string;
  name: string;
  /** What follows the name inside the braces: `:?message`, `:-default`, `-default` or nothing. */
  modifier: string;
}

const compose = load(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { environment?: unknown }> };

/** Every string in the file with where it stands (merge keys resolved, so each service shows what it gets). */
function strings(value: unknown, where: string): [string, string][] {
  if (typeof value === 'string') return [[where, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${where}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, `${where}.${k}`));
  return [];
}

const ALL = strings(compose, 'compose');
const REFERENCES: Reference[] = ALL.flatMap(([where, text]) =>
  [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}/g)].map((m) => ({ where, name: m[1], modifier: m[2] })),
);
/** Environment entries as written, `NAME: value` or `NAME=value`. */
const ENVIRONMENT: [string, string, string][] = Object.entries(compose.services).flatMap(([service, { environment }]) => {
  const entries = Array.isArray(environment)
    ? environment.map((e) => String(e).split(/=(.*)/s).slice(0, 2) as [string, string])
    : Object.entries((environment ?? {}) as Record<string, unknown>).map(([k, v]) => [k, v === null ? '' : String(v)] as [string, string]);
  return entries.map(([name, value]) => [service, name, value] as [string, string, string]);
});

const REQUIRED = [...new Set(REFERENCES.filter((r) => r.modifier.startsWith(':?')).map((r) => r.name))].sort();

function readEnvFile(file: string): Map<string, string> {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => /^\w+=/.test(l));
  return new Map(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

const modeOf = (file: string): number => fs.statSync(file).mode & 0o777;

describe('docker-compose.yml', () => {
  it('requires every secret it reads, with a message and no default', () => {
    const secrets = REFERENCES.filter((r) => isSecretName(r.name));
    expect(secrets.length).toBeGreaterThan(10);
    const loose = secrets.filter((r) => !/^:\?\S/.test(r.modifier)).map((r) => `${r.where}: \${${r.name}${r.modifier}}`);
    expect(loose).toEqual([]);
    // $NAME without braces cannot carry :? at all. ($$NAME is compose's escape: the container's shell reads it, from
    // an environment entry that is itself a required reference, checked below.)
    const bare = ALL.flatMap(([where, text]) =>
      [...text.matchAll(/(?<!\$)\$([A-Za-z_][A-Za-z0-9_]*)/g)].filter((m) => isSecretName(m[1])).map((m) => `${where}: $${m[1]}`),
    );
    expect(bare).toEqual([]);
  });

  it('writes no secret value itself: each secret variable a service gets is one required reference', () => {
    const written = ENVIRONMENT.filter(([, name, value]) => isSecretName(name) && !/^\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]+\}$/.test(value));
    expect(written.map(([service, name, value]) => `${service}.${name}=${value}`)).toEqual([]);
    // Nor a password inside a URL.
    const urls = ALL.filter(([, text]) => /:\/\/[^/\s:@]+:(?!\$\{)[^@\s]+@/.test(text)).map(([where]) => where);
    expect(urls).toEqual([]);
    // The sandboxes listen beyond loopback in compose: they start only with an admin token.
    const env = (service: string): Record<string, unknown> => compose.services[service].environment as Record<string, unknown>;
    expect(env('lnb-sandbox').LNB_SANDBOX_ADMIN_TOKEN).toMatch(/^\$\{LNB_SANDBOX_ADMIN_TOKEN:\?/);
    expect(env('xero-sandbox').XERO_SANDBOX_ADMIN_TOKEN).toMatch(/^\$\{XERO_SANDBOX_ADMIN_TOKEN:\?/);
  });

  it('requires only secrets', () => {
    expect(REQUIRED.filter((name) => !isSecretName(name))).toEqual([]);
  });
});

describe('tools/compose/secrets.sh', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-secrets-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = (file: string): string => execFileSync('bash', [SECRETS_SH, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  it('writes, once, a random value for each secret the compose file requires, readable by its owner only', () => {
    const file = path.join(dir, 'env', '.env');
    expect(run(file)).toBe('');
    const values = readEnvFile(file);
    expect([...values.keys()].sort()).toEqual(REQUIRED);
    expect([modeOf(file), modeOf(path.dirname(file))]).toEqual([0o600, 0o700]);
    expect(new Set(values.values()).size).toBe(values.size);
    expect(values.get('XERO_TOKEN_KEY')).toMatch(/^[0-9a-f]{64}$/);
    expect(values.get('MONITOR_BOOTSTRAP_KEYS')).toMatch(/^viewer@uk:[0-9a-f]{64},operator@uk:[0-9a-f]{64},admin:[0-9a-f]{64}$/);
    const first = fs.readFileSync(file, 'utf8');
    run(file);
    expect(fs.readFileSync(file, 'utf8')).toBe(first);
  });

  it('keeps the values a file holds, fills the missing and empty ones, and narrows its mode', () => {
    const file = path.join(dir, '.env');
    fs.writeFileSync(file, 'LOG_LEVEL=debug\nPOSTGRES_PASSWORD=chosen-by-me\nGRAFANA_ADMIN_PASSWORD=\n', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    run(file);
    const values = readEnvFile(file);
    expect([values.get('LOG_LEVEL'), values.get('POSTGRES_PASSWORD')]).toEqual(['debug', 'chosen-by-me']);
    expect(values.get('GRAFANA_ADMIN_PASSWORD')).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readFileSync(file, 'utf8').match(/^GRAFANA_ADMIN_PASSWORD=/gm)).toHaveLength(1);
    expect(REQUIRED.every((name) => values.get(name))).toBe(true);
    expect(modeOf(file)).toBe(0o600);
  });
});
