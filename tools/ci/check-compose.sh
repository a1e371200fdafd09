#!/usr/bin/env bash
# CI: docker-compose.yml, docker/Dockerfile and the Prometheus/Grafana files agree with each other
# and with the code, checked without a Docker engine or any server:
#   1. `docker compose config` (or Debian's docker-compose v1, apt-installed when missing) parses the file;
#   2. promtool (from Debian's prometheus package, extracted, not installed) checks the Prometheus config,
#      the alert rules, unit-tests the alerts and parses every dashboard query;
#   3. a node check (always) validates structure: services, healthchecks, depends_on conditions, ports,
#      volumes, env against the config classes, scrape targets, datasource uids, and that every metric
#      name used in alerts and dashboards is declared in the TypeScript, a prom-client default, or planned;
#      that every per-brand series (one with a `connection` label) is filtered by the dashboards' connection
#      variable and grouped by connection in alerts; and that /metrics is scraped with METRICS_TOKEN.
# A missing tool (no apt, no network) is a warning and its step is skipped; a real problem exits 1.
# Settings: LNBX_TOOLS_CACHE (~/.cache/lnb-xero-connector/tools), CHECK_COMPOSE_NO_INSTALL=1 (never apt).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
cache=${LNBX_TOOLS_CACHE:-$HOME/.cache/lnb-xero-connector/tools}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

log() { printf '[check-compose] %s\n' "$*" >&2; }
problem() { log "FAIL: $*"; failed=1; }

can_apt() {
  [ "${CHECK_COMPOSE_NO_INSTALL:-0}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null
}

apt_updated=0
apt_update() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq >"$work/apt-update.log" 2>&1 && apt_updated=1; fi
}

# --- 1. the compose file, as Docker Compose itself reads it -------------------------------------
compose_cmd=()
if docker compose version >/dev/null 2>&1; then
  compose_cmd=(docker compose)
elif command -v docker-compose >/dev/null; then
  compose_cmd=(docker-compose)
elif can_apt; then
  log "installing Debian's docker-compose (it parses and validates without a Docker engine)"
  if apt_update && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >"$work/apt-compose.log" 2>&1; then
    compose_cmd=(docker-compose)
  else
    log "WARN: apt-get could not install docker-compose; see below. The node check still runs."
    tail -n 5 "$work/apt-update.log" "$work/apt-compose.log" >&2 2>/dev/null || true
  fi
fi
if [ ${#compose_cmd[@]} -gt 0 ]; then
  log "${compose_cmd[*]} config"
  # A fresh env file with only the required secrets (random, as an operator's would be): the check sees
  # the file's own defaults, not a developer's .env, and compose refuses to start without the secrets.
  bash tools/compose/secrets.sh "$work/ci.env" >/dev/null
  if ! "${compose_cmd[@]}" --env-file "$work/ci.env" -f docker-compose.yml config -q; then
    problem "${compose_cmd[*]} rejects docker-compose.yml"
  fi
else
  log "WARN: neither 'docker compose' nor docker-compose is available (and apt is not): skipped Compose's own validation"
fi

# --- 2. the structural check in node (also writes the dashboard queries as rules for promtool) ---
if [ ! -d node_modules/js-yaml ] || [ ! -d node_modules/prom-client ]; then
  problem "node_modules lacks js-yaml or prom-client: run npm ci first"
  exit 1
fi
log "node check: compose structure, Dockerfile, Prometheus, alerts, Grafana, metric names"
node - "$work" <<'JS' || failed=1
'use strict';
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const { Registry, collectDefaultMetrics } = require('prom-client');

// Metrics the team has planned but the code does not declare yet. Dashboards and alerts may use them
// (each run prints which); when the code declares one, its type and labels must match this list.
// Every metric the dashboards and alerts use is declared in the code now: the list is empty until the next plan.
const PLANNED_METRICS = {};

// The deployment's contract: each service's HTTP_PORT (Prometheus scrapes it, the healthcheck asks it).
const APP_PORTS = { 'monitor-api': 4000, 'lnb-poller': 4001, mapper: 4002, 'xero-exporter': 4003 };
const SANDBOX_PORTS = { 'lnb-sandbox': 4010, 'xero-sandbox': 4020 };
// kafka-secrets and kafka-setup are one-shots: the secured broker's secrets, then its topics and ACLs.
const INFRA = ['kafka-secrets', 'kafka', 'kafka-setup', 'postgres', 'prometheus', 'grafana'];
// Who connects to the secured broker with a password of its own: the admin (kafka-setup) and each app.
const KAFKA_PRINCIPALS = ['admin', 'monitor-api', 'lnb-poller', 'mapper', 'xero-exporter'];
const DASHBOARDS = ['flow.json', 'xero-budget.json', 'errors.json'];
const REQUIRED_ALERT_METRICS = ['lnbx_runs_total', 'lnbx_documents_stuck', 'lnbx_xero_connection_up', 'lnbx_dead_letters_total'];
// Labels every series may carry: the registry's default label, Prometheus' target labels, histogram buckets.
const COMMON_LABELS = new Set(['service', 'job', 'instance', 'le', 'quantile', '__name__']);

const repo = process.cwd();
const work = process.argv[2];
const errors = [];
const warnings = [];
const err = (where, msg) => errors.push(`${where}: ${msg}`);
const warn = (where, msg) => warnings.push(`${where}: ${msg}`);
const rel = (p) => path.relative(repo, p) || '.';
const exists = (p) => fs.existsSync(path.resolve(repo, p));
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function load(file, parse) {
  try {
    return parse(fs.readFileSync(path.resolve(repo, file), 'utf8'));
  } catch (e) {
    err(file, `cannot read or parse: ${e.message.split('\n')[0]}`);
    return undefined;
  }
}
const loadYaml = (file) => load(file, (s) => yaml.load(s));

function walk(dir, keep, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== 'node_modules' && e.name !== 'dist') walk(p, keep, out); }
    else if (keep(e.name)) out.push(p);
  }
  return out;
}
const sources = ['apps', 'libs'].flatMap((d) => walk(path.join(repo, d), (n) => n.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(n)));
const sourceText = new Map(sources.map((f) => [f, fs.readFileSync(f, 'utf8')]));

// Compose's ${VAR:-default} / ${VAR-default} / ${VAR} / $$ with an empty environment.
const interpolate = (s) => String(s)
  // ${VAR:-default} and ${VAR-default} take the default; ${VAR:?why} (a required secret) a stand-in value.
  .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*)|(:?\?)[^}]*)?\}/g, (_, name, _dash, def, required) => (required ? `required-${name.toLowerCase()}` : def ?? ''))
  .replace(/\$\$/g, '$');

function envOf(svc) {
  const e = svc.environment;
  if (!e) return {};
  if (Array.isArray(e)) return Object.fromEntries(e.map((kv) => { const i = String(kv).indexOf('='); return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)]; }));
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v === null ? '' : interpolate(v)]));
}
const asList = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const commandText = (svc) => asList(svc.command).join(' ');
const DURATION = /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/;

// ---------------------------------------------------------------- docker-compose.yml
const compose = loadYaml('docker-compose.yml') ?? {};
const services = isObj(compose.services) ? compose.services : {};
if (!isObj(compose.services)) err('docker-compose.yml', 'no services');
const declaredVolumes = new Set(Object.keys(isObj(compose.volumes) ? compose.volumes : {}));
const usedVolumes = new Set();
const hostPorts = new Map();

const appDirs = fs.readdirSync(path.join(repo, 'apps'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
const expectedServices = [...new Set([...INFRA, ...Object.keys(APP_PORTS), ...Object.keys(SANDBOX_PORTS), ...appDirs])];
if (isObj(compose.services)) for (const name of expectedServices) if (!services[name]) err('docker-compose.yml', `service "${name}" is missing`);

// Env names some code reads: @Env('X') in config classes, process.env.X, and 'X' literals in apps' main.ts.
const knownEnv = new Set();
for (const [file, text] of sourceText) {
  for (const m of text.matchAll(/@Env\('([A-Z0-9_]+)'\)/g)) knownEnv.add(m[1]);
  for (const m of text.matchAll(/process\.env(?:\.([A-Z0-9_]+)|\[\s*'([A-Z0-9_]+)'\s*\])/g)) knownEnv.add(m[1] ?? m[2]);
  if (/apps\/[^/]+\/src\/main\.ts$/.test(file)) for (const m of text.matchAll(/'([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g)) knownEnv.add(m[1]);
}
// What ServiceConfig accepts, read from its @Matches patterns so the check follows the code.
const envPatterns = new Map();
const serviceConfig = sourceText.get(path.join(repo, 'libs/platform/src/service-config.ts')) ?? '';
for (const m of serviceConfig.matchAll(/@Env\('([A-Z0-9_]+)'\)[^\n]*?@Matches\(\/(.+?)\/([a-z]*)\s*[,)]/g)) {
  try { envPatterns.set(m[1], new RegExp(m[2], m[3])); } catch { warn('service-config.ts', `could not read the pattern of ${m[1]}`); }
}
if (!envPatterns.has('KAFKA_BROKERS')) warn('service-config.ts', 'found no @Matches pattern for KAFKA_BROKERS: env values are not checked against the config class');

function checkPorts(name, svc) {
  const published = [];
  for (const p of asList(svc.ports)) {
    let host, container, ip = '';
    if (isObj(p)) { host = p.published; container = p.target; ip = p.host_ip ?? ''; }
    else {
      const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(?:(\d+):)?(\d+)(?:\/(tcp|udp))?$/.exec(String(p));
      if (!m) { err(`${name}.ports`, `cannot read "${p}"`); continue; }
      ip = m[1] ?? ''; host = m[2]; container = m[3];
    }
    container = Number(container);
    if (!Number.isInteger(container) || container < 1 || container > 65535) { err(`${name}.ports`, `bad container port in ${JSON.stringify(p)}`); continue; }
    if (host !== undefined) {
      host = Number(host);
      if (!Number.isInteger(host) || host < 1 || host > 65535) { err(`${name}.ports`, `bad host port in ${JSON.stringify(p)}`); continue; }
      if (hostPorts.has(host)) err(`${name}.ports`, `host port ${host} is also published by ${hostPorts.get(host)}`);
      hostPorts.set(host, name);
      if (ip !== '127.0.0.1') warn(`${name}.ports`, `${host} is published on every interface, not only 127.0.0.1`);
    }
    published.push({ host, container });
  }
  return published;
}

function checkVolumes(name, svc) {
  const mounts = [];
  for (const v of asList(svc.volumes)) {
    let source, target;
    if (isObj(v)) { source = v.source; target = v.target; }
    else { [source, target] = String(v).split(':'); }
    if (!target || !target.startsWith('/')) { err(`${name}.volumes`, `cannot read "${JSON.stringify(v)}"`); continue; }
    if (source && (source.startsWith('.') || source.startsWith('/'))) {
      if (!exists(source)) err(`${name}.volumes`, `bind source ${source} does not exist`);
      mounts.push({ source: path.resolve(repo, source), target });
    } else if (source) {
      usedVolumes.add(source);
      if (!declaredVolumes.has(source)) err(`${name}.volumes`, `named volume "${source}" is not declared under volumes:`);
      mounts.push({ volume: source, target });
    }
  }
  return mounts;
}

function checkHealthcheck(name, svc) {
  const hc = svc.healthcheck;
  if (!isObj(hc) || hc.disable === true) { err(name, 'has no healthcheck'); return; }
  const test = asList(hc.test);
  if (typeof hc.test !== 'string' && !['CMD', 'CMD-SHELL'].includes(test[0])) err(`${name}.healthcheck`, 'test must be ["CMD", ...], ["CMD-SHELL", "..."] or a string');
  for (const k of ['interval', 'timeout', 'start_period']) if (hc[k] !== undefined && !DURATION.test(String(hc[k]))) err(`${name}.healthcheck`, `${k} "${hc[k]}" is not a duration`);
  if (hc.retries !== undefined && !(Number.isInteger(hc.retries) && hc.retries > 0)) err(`${name}.healthcheck`, 'retries must be a positive integer');
}
const healthText = (svc) => asList(svc.healthcheck?.test).join(' ');

// One-shots: what another service waits for with service_completed_successfully. They exit, so they have
// no healthcheck, and must not be restarted.
const oneShots = new Set(Object.values(services).flatMap((svc) => Object.entries(isObj(svc?.depends_on) ? svc.depends_on : {})
  .filter(([, opt]) => opt?.condition === 'service_completed_successfully').map(([d]) => d)));
const mountsOf = {};
for (const [name, svc] of Object.entries(services)) {
  if (!isObj(svc)) { err(name, 'is not a mapping'); continue; }
  if (!svc.image && !svc.build) err(name, 'has neither image nor build');
  if (svc.build) {
    const b = isObj(svc.build) ? svc.build : { context: svc.build };
    if (!exists(b.context ?? '.')) err(`${name}.build`, `context ${b.context} does not exist`);
    const df = path.join(b.context ?? '.', b.dockerfile ?? 'Dockerfile');
    if (!exists(df)) err(`${name}.build`, `dockerfile ${df} does not exist`);
  }
  // A one-shot nobody waits for (restart: "no", e.g. setup) runs to its end: nothing to check the health of.
  if (!oneShots.has(name) && String(svc.restart ?? '') !== 'no') checkHealthcheck(name, svc);
  else if (String(svc.restart ?? 'no') !== 'no') err(`${name}.restart`, 'a one-shot others wait for must have restart: "no"');
  mountsOf[name] = checkVolumes(name, svc);
  svc.__published = checkPorts(name, svc);
  if (Array.isArray(svc.depends_on)) {
    for (const d of svc.depends_on) if (!services[d]) err(`${name}.depends_on`, `unknown service "${d}"`);
  } else if (isObj(svc.depends_on)) {
    for (const [d, opt] of Object.entries(svc.depends_on)) {
      if (!services[d]) { err(`${name}.depends_on`, `unknown service "${d}"`); continue; }
      const cond = opt?.condition ?? 'service_started';
      if (!['service_started', 'service_healthy', 'service_completed_successfully'].includes(cond)) err(`${name}.depends_on.${d}`, `unknown condition "${cond}"`);
      if (cond === 'service_healthy' && !isObj(services[d].healthcheck)) err(`${name}.depends_on.${d}`, `service_healthy, but ${d} has no healthcheck`);
    }
  }
}
for (const v of declaredVolumes) if (!usedVolumes.has(v)) warn('docker-compose.yml', `volume "${v}" is declared but never mounted`);

// depends_on cycles would leave `up` waiting forever.
const deps = (n) => Object.keys(isObj(services[n]?.depends_on) ? services[n].depends_on : Object.fromEntries(asList(services[n]?.depends_on).map((d) => [d, 1])));
const state = {};
const visit = (n, trail) => {
  if (state[n] === 'done') return;
  if (state[n] === 'open') { err('docker-compose.yml', `depends_on cycle: ${[...trail, n].join(' -> ')}`); return; }
  state[n] = 'open';
  for (const d of deps(n)) if (services[d]) visit(d, [...trail, n]);
  state[n] = 'done';
};
Object.keys(services).forEach((n) => visit(n, []));

const kafka = services.kafka ?? {};
const kenv = envOf(kafka);
// The secured broker: tools/kafka/kafka.sh run, its listeners in a properties file (docs/security.md).
const kprops = {};
const readProperties = (file) => {
  const text = load(file, (t) => t);
  for (const line of String(text ?? '').split('\n')) {
    const m = /^\s*([a-z0-9._-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trim().startsWith('#')) kprops[m[1]] = m[2];
  }
};
const hostPathOf = (svcName, target) => {
  const m = (mountsOf[svcName] ?? []).filter((v) => v.source && (target === v.target || target.startsWith(`${v.target}/`)))
    .sort((a, b) => b.target.length - a.target.length)[0];
  return m ? path.relative(repo, path.join(m.source, target.slice(m.target.length))) : undefined;
};
const volumeAt = (svcName, file) => (mountsOf[svcName] ?? []).find((v) => v.volume && file.startsWith(`${v.target}/`))?.volume;
if (services.kafka) {
  if (kafka.image !== 'apache/kafka:4.1.1') err('kafka', `image should be apache/kafka:4.1.1, is ${kafka.image}`);
  const run = [...asList(kafka.entrypoint), ...asList(kafka.command)].join(' ');
  if (!/\/kafka\.sh run$/.test(run)) err('kafka', `should run the project's broker script in the foreground (entrypoint bash .../kafka.sh, command run), runs "${run}"`);
  if (hostPathOf('kafka', String(asList(kafka.entrypoint).find((a) => /kafka\.sh$/.test(a)) ?? '')) !== 'tools/kafka/kafka.sh') err('kafka.volumes', 'tools/kafka/kafka.sh is not mounted where the entrypoint runs it');
  if (kenv.KAFKA_SECURE !== '1') err('kafka.environment', 'KAFKA_SECURE must be "1": the compose broker is the secured one');
  if (kenv.KAFKA_LIBS !== '/opt/kafka/libs') err('kafka.environment', 'KAFKA_LIBS should be /opt/kafka/libs (the image\'s jars)');
  if (!/^[A-Za-z0-9_-]{22}$/.test(kenv.KAFKA_CLUSTER_ID ?? '') || Buffer.from(kenv.KAFKA_CLUSTER_ID, 'base64url').length !== 16) err('kafka', 'KAFKA_CLUSTER_ID must be a 16-byte base64url id (22 characters)');
  if (!/kafka-(broker-api-versions|topics)\.sh/.test(healthText(kafka))) err('kafka.healthcheck', 'should ask the broker (kafka-broker-api-versions.sh or kafka-topics.sh)');
  if (!/--command-config\s+\S+/.test(healthText(kafka))) err('kafka.healthcheck', 'a secured broker answers only an authenticated client: pass --command-config');
  const base = kenv.KAFKA_BASE_PROPERTIES ? hostPathOf('kafka', kenv.KAFKA_BASE_PROPERTIES) : undefined;
  if (!base) err('kafka.environment', 'KAFKA_BASE_PROPERTIES must name a file mounted from the repository');
  else if (!exists(base)) err('kafka.environment', `KAFKA_BASE_PROPERTIES: ${base} does not exist`);
  else readProperties(base);
  const names = (v) => String(v ?? '').split(',').filter(Boolean).map((l) => l.split('://')[0]);
  const protocols = new Map(String(kprops['listener.security.protocol.map'] ?? '').split(',').filter(Boolean).map((p) => p.split(':')));
  const listeners = names(kprops.listeners);
  const where = base ?? 'kafka';
  for (const l of listeners) if (!protocols.has(l)) err(where, `listener ${l} is missing from listener.security.protocol.map`);
  for (const l of names(kprops['advertised.listeners'])) {
    if (!listeners.includes(l)) err(where, `advertised listener ${l} is not in listeners`);
    if (protocols.get(l) !== 'SASL_SSL') err(where, `advertised listener ${l} is ${protocols.get(l)}: every client listener must be SASL_SSL`);
  }
  for (const k of ['controller.listener.names', 'inter.broker.listener.name']) if (!listeners.includes(kprops[k])) err(where, `${k}=${kprops[k]} is not in listeners`);
  const controller = String(kprops.listeners ?? '').split(',').find((l) => l.startsWith(`${kprops['controller.listener.names']}://`));
  if (controller && !/^[A-Z_]+:\/\/127\.0\.0\.1:\d+$/.test(controller)) err(where, `the controller listener (${controller}) must bind 127.0.0.1: it never leaves the container`);
  for (const k of ['authorizer.class.name', 'super.users', 'sasl.jaas.config', 'ssl.keystore.password']) {
    if (Object.keys(kprops).some((p) => p === k || p.endsWith(`.${k}`))) err(where, `${k} is the script's to write (with the secrets), not this file's`);
  }
}
const advertised = String(kprops['advertised.listeners'] ?? '').split(',').map((l) => l.split('://')[1]).filter(Boolean);

// kafka-secrets makes every principal's password and gives each its own volume; kafka-setup uses the admin's.
const secretsSvc = services['kafka-secrets'] ?? {};
if (services['kafka-secrets']) {
  const senv = envOf(secretsSvc);
  if (secretsSvc.image !== kafka.image) err('kafka-secrets', `should use the broker's image (${kafka.image}) for keytool`);
  if (!/\/kafka\.sh init-secrets$/.test([...asList(secretsSvc.entrypoint), ...asList(secretsSvc.command)].join(' '))) err('kafka-secrets', 'should run kafka.sh init-secrets');
  if (services.kafka && kafka.depends_on?.['kafka-secrets']?.condition !== 'service_completed_successfully') err('kafka.depends_on', 'needs kafka-secrets with condition: service_completed_successfully');
  const sans = String(senv.KAFKA_TLS_SAN ?? '').split(',');
  for (const host of new Set(advertised.map((a) => a.slice(0, a.lastIndexOf(':'))))) {
    if (!sans.includes(`${/^\d+(\.\d+){3}$/.test(host) ? 'ip' : 'dns'}:${host}`)) err('kafka-secrets.environment', `KAFKA_TLS_SAN (${senv.KAFKA_TLS_SAN}) lacks ${host}, which kafka advertises: clients would refuse the certificate`);
  }
  const brokerSecrets = volumeAt('kafka', `${kenv.KAFKA_SECRETS}/x`);
  if (!brokerSecrets || brokerSecrets !== volumeAt('kafka-secrets', `${senv.KAFKA_SECRETS}/x`)) err('kafka-secrets.volumes', 'kafka-secrets and kafka must mount the same volume at their KAFKA_SECRETS');
  for (const p of KAFKA_PRINCIPALS) if (!volumeAt('kafka-secrets', `${senv.KAFKA_SECRETS_EXPORT}/${p}/password`)) err('kafka-secrets.volumes', `no volume at ${senv.KAFKA_SECRETS_EXPORT}/${p} for ${p}'s password`);
}
/** A Kafka client of the compose file: its own user, its password and the CA from a volume only it (and kafka-secrets) mounts. */
function checkKafkaClient(name, user) {
  const env = envOf(services[name]);
  if (env.KAFKA_SECURITY !== 'sasl_ssl') err(`${name}.environment`, `KAFKA_SECURITY should be sasl_ssl, is ${env.KAFKA_SECURITY ?? '(unset)'}`);
  if (env.KAFKA_SASL_USERNAME !== user) err(`${name}.environment`, `KAFKA_SASL_USERNAME should be ${user}, is ${env.KAFKA_SASL_USERNAME ?? '(unset)'}`);
  if (env.KAFKA_SASL_PASSWORD) err(`${name}.environment`, 'KAFKA_SASL_PASSWORD in the compose file: use KAFKA_SASL_PASSWORD_FILE');
  const volume = volumeAt(name, String(env.KAFKA_SASL_PASSWORD_FILE ?? ''));
  if (!volume) { err(`${name}.environment`, 'KAFKA_SASL_PASSWORD_FILE is not in a mounted volume'); return; }
  if (volumeAt(name, String(env.KAFKA_SSL_CA_FILE ?? '')) !== volume) err(`${name}.environment`, 'KAFKA_SSL_CA_FILE should sit beside the password, in the same volume');
  if (volume !== volumeAt('kafka-secrets', `${envOf(secretsSvc).KAFKA_SECRETS_EXPORT}/${user}/password`)) err(`${name}.volumes`, `${volume} is not where kafka-secrets exports ${user}'s password`);
  const others = Object.keys(services).filter((n) => n !== name && n !== 'kafka-secrets' && (mountsOf[n] ?? []).some((v) => v.volume === volume));
  if (others.length) err(`${name}.volumes`, `${volume} holds ${user}'s password and is also mounted by ${others.join(', ')}`);
}
if (services['kafka-setup']) {
  checkKafkaClient('kafka-setup', 'admin');
  if (services['kafka-setup'].depends_on?.kafka?.condition !== 'service_healthy') err('kafka-setup.depends_on', 'needs kafka with condition: service_healthy');
  if (!commandText(services['kafka-setup']).includes('dist/libs/messaging/src/cli/kafka-setup.js')) err('kafka-setup.command', 'should run dist/libs/messaging/src/cli/kafka-setup.js');
}

const pg = services.postgres ?? {};
const pgenv = envOf(pg);
if (services.postgres) {
  if (!/^postgres:1[56](\.|-|$)/.test(String(pg.image))) err('postgres', `image should be postgres:15 or postgres:16, is ${pg.image}`);
  if (!/pg_isready/.test(healthText(pg))) err('postgres.healthcheck', 'should use pg_isready');
}

for (const [name, port] of Object.entries({ ...APP_PORTS, ...SANDBOX_PORTS })) {
  const svc = services[name];
  if (!svc) continue;
  const isApp = name in APP_PORTS;
  const env = envOf(svc);
  const main = `dist/apps/${name}/src/main.js`;
  if (!commandText(svc).includes(main)) err(`${name}.command`, `should run ${main}`);
  if (!exists(`apps/${name}`)) err(name, `apps/${name} does not exist`);
  else if (!exists(`apps/${name}/src/main.ts`)) warn(name, `apps/${name}/src/main.ts does not exist yet: the container cannot start until it does`);
  const published = svc.__published;
  for (const p of published) if (p.container !== port) err(`${name}.ports`, `publishes container port ${p.container}, but the process listens on ${port}`);
  for (const k of Object.keys(env)) if (!knownEnv.has(k)) warn(`${name}.environment`, `${k} is read by no @Env() or process.env in apps/ or libs/`);
  if (!isApp) continue;

  for (const d of ['kafka', 'postgres']) {
    if (svc.depends_on?.[d]?.condition !== 'service_healthy') err(`${name}.depends_on`, `needs ${d} with condition: service_healthy`);
  }
  if (svc.depends_on?.['kafka-setup']?.condition !== 'service_completed_successfully') err(`${name}.depends_on`, 'needs kafka-setup with condition: service_completed_successfully (its topics and ACLs)');
  checkKafkaClient(name, name);
  const hc = healthText(svc);
  if (!hc.includes('/health/ready')) err(`${name}.healthcheck`, 'should ask GET /health/ready');
  if (/\bcurl\b|\bwget\b/.test(hc)) err(`${name}.healthcheck`, 'node:20-slim has neither curl nor wget: use node -e fetch(...)');
  const want = { HTTP_HOST: '0.0.0.0', HTTP_PORT: String(port) };
  // Every service serves every connection: one set here would only say what the release before read.
  if (env.CONNECTION_ID !== undefined) err(`${name}.environment`, 'CONNECTION_ID is no longer read: connections are set up through monitor-api');
  for (const [k, v] of Object.entries(want)) if (env[k] !== v) err(`${name}.environment`, `${k} should be ${v}, is ${env[k] ?? '(unset)'}`);
  // /metrics names every connection and its counts (docs/security.md): each service asks for the token Prometheus sends.
  if (env.METRICS_TOKEN !== 'required-metrics_token') err(`${name}.environment`, 'METRICS_TOKEN must be ${METRICS_TOKEN:?...}: a required secret, the same for every service and Prometheus');
  for (const k of ['KAFKA_BROKERS', 'DATABASE_URL']) if (!env[k]) err(`${name}.environment`, `${k} is unset`);
  for (const [k, re] of envPatterns) if (env[k] !== undefined && !re.test(env[k])) err(`${name}.environment`, `${k}="${env[k]}" fails ServiceConfig's pattern ${re}`);
  for (const b of String(env.KAFKA_BROKERS ?? '').split(',').filter(Boolean)) {
    if (!advertised.includes(b)) err(`${name}.environment`, `KAFKA_BROKERS ${b} is not a listener kafka advertises (${advertised.join(', ')})`);
  }
  try {
    const u = new URL(env.DATABASE_URL);
    if (!services[u.hostname]) err(`${name}.environment`, `DATABASE_URL host ${u.hostname} is not a compose service`);
    if (u.pathname.slice(1) !== (pgenv.POSTGRES_DB ?? 'postgres')) err(`${name}.environment`, `DATABASE_URL names database ${u.pathname.slice(1)}, postgres creates ${pgenv.POSTGRES_DB}`);
    if (decodeURIComponent(u.password) !== (pgenv.POSTGRES_PASSWORD ?? '')) err(`${name}.environment`, 'DATABASE_URL password differs from POSTGRES_PASSWORD');
  } catch (e) {
    if (env.DATABASE_URL) err(`${name}.environment`, `DATABASE_URL is not a URL (${e.message})`);
  }
}
if (services['monitor-api'] && !services['monitor-api'].__published?.some((p) => p.host === 4000 && p.container === 4000)) err('monitor-api.ports', 'must publish 4000 to the host');

// Only monitor-api faces people (docs/security.md): it reaches the exporter server to server with the exporter's
// service token, a required secret both take from the same variable; the exporter's port is not published, and
// Xero's redirect comes back to monitor-api's callback.
const exporterSvc = services['xero-exporter'];
const monitorSvc = services['monitor-api'];
if (exporterSvc && monitorSvc) {
  const [xenv, menv] = [envOf(exporterSvc), envOf(monitorSvc)];
  for (const [name, env] of [['xero-exporter', xenv], ['monitor-api', menv]]) {
    if (env.EXPORTER_SERVICE_TOKEN !== 'required-exporter_service_token') err(`${name}.environment`, 'EXPORTER_SERVICE_TOKEN must be ${EXPORTER_SERVICE_TOKEN:?...}: a required secret, the same for both services');
  }
  try {
    const internal = new URL(menv.EXPORTER_INTERNAL_URL);
    if (internal.hostname !== 'xero-exporter' || internal.port !== String(APP_PORTS['xero-exporter'])) err('monitor-api.environment', `EXPORTER_INTERNAL_URL should be http://xero-exporter:${APP_PORTS['xero-exporter']} (server to server), is ${menv.EXPORTER_INTERNAL_URL}`);
  } catch {
    err('monitor-api.environment', 'EXPORTER_INTERNAL_URL is unset or not a URL');
  }
  if (menv.XERO_EXPORTER_URL !== undefined) err('monitor-api.environment', 'XERO_EXPORTER_URL was renamed EXPORTER_INTERNAL_URL: monitor-api refuses to start with it');
  if (exporterSvc.__published?.length) err('xero-exporter.ports', 'must not be published: only monitor-api faces people');
  if (!/\/api\/xero\/callback$/.test(xenv.XERO_REDIRECT_URI ?? '')) err('xero-exporter.environment', "XERO_REDIRECT_URI should be monitor-api's /api/xero/callback as a browser reaches it");
}

// The same for the poller: monitor-api hands it a connection's LNB credentials with the poller's token; the
// poller seals them with a required key; its port is not published.
const pollerSvc = services['lnb-poller'];
if (pollerSvc && monitorSvc) {
  const [penv, menv] = [envOf(pollerSvc), envOf(monitorSvc)];
  for (const [name, env] of [['lnb-poller', penv], ['monitor-api', menv]]) {
    if (env.POLLER_SERVICE_TOKEN !== 'required-poller_service_token') err(`${name}.environment`, 'POLLER_SERVICE_TOKEN must be ${POLLER_SERVICE_TOKEN:?...}: a required secret, the same for both services');
  }
  if (penv.POLLER_CREDENTIALS_KEY !== 'required-poller_credentials_key') err('lnb-poller.environment', 'POLLER_CREDENTIALS_KEY must be ${POLLER_CREDENTIALS_KEY:?...}: a required secret');
  try {
    const internal = new URL(menv.POLLER_INTERNAL_URL);
    if (internal.hostname !== 'lnb-poller' || internal.port !== String(APP_PORTS['lnb-poller'])) err('monitor-api.environment', `POLLER_INTERNAL_URL should be http://lnb-poller:${APP_PORTS['lnb-poller']} (server to server), is ${menv.POLLER_INTERNAL_URL}`);
  } catch {
    err('monitor-api.environment', 'POLLER_INTERNAL_URL is unset or not a URL');
  }
  if (pollerSvc.__published?.length) err('lnb-poller.ports', 'must not be published: only monitor-api faces people');
}

// ---------------------------------------------------------------- docker/Dockerfile
const dockerfile = load('docker/Dockerfile', (s) => s) ?? '';
const ignore = (load('.dockerignore', (s) => s) ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
if (dockerfile) {
  if (!/^FROM node:20-slim\b/m.test(dockerfile)) err('docker/Dockerfile', 'should build FROM node:20-slim');
  for (const step of ['npm ci', 'npm run build']) if (!dockerfile.includes(step)) err('docker/Dockerfile', `does not run ${step}`);
  if (!/ENTRYPOINT[^\n]*tools\/runtime\/register\.js/.test(dockerfile)) err('docker/Dockerfile', 'ENTRYPOINT should be node -r ./tools/runtime/register.js');
  for (const m of dockerfile.matchAll(/^COPY\s+(?!--from)((?:--\S+\s+)*)(.+)$/gm)) {
    const parts = m[2].trim().split(/\s+/).slice(0, -1);
    for (const src of parts) {
      if (!exists(src)) err('docker/Dockerfile', `COPY source ${src} does not exist`);
      if (ignore.some((pat) => pat.replace(/\/$/, '') === src.replace(/\/$/, '').replace(/^\.\//, ''))) err('docker/Dockerfile', `COPY source ${src} is excluded by .dockerignore`);
    }
  }
  for (const needed of ['package-lock.json', 'tsconfig.base.json', 'tools/runtime']) if (!dockerfile.includes(needed)) err('docker/Dockerfile', `never copies ${needed}`);
}

// A config default naming a repository file (the mapper's mapping) is read from the working directory
// at runtime: the runtime stage must copy it, or the compose file must point the variable elsewhere.
const runtimeCopies = [...dockerfile.matchAll(/^COPY\s+--from=\S+\s+(.+)$/gm)].flatMap((m) => m[1].trim().split(/\s+/).slice(0, -1)).map((p) => p.replace(/^\/app\//, ''));
for (const file of sources.filter((f) => /\/apps\/[^/]+\/src\/config\.ts$/.test(f))) {
  const app = file.split(path.sep).slice(-3)[0];
  const svc = services[app];
  if (!svc) continue;
  for (const m of sourceText.get(file).matchAll(/@Env\('([A-Z0-9_]+)'\)[^\n]*\n\s*\w+\s*=\s*'([^']+)'/g)) {
    const [, name, fallback] = m;
    if (!/^[\w.-]+(\/[\w.-]+)+$/.test(fallback) || !exists(fallback)) continue;
    const used = envOf(svc)[name] ?? fallback;
    const inImage = !used.startsWith('/') && runtimeCopies.some((c) => used === c || used.startsWith(`${c.replace(/\/$/, '')}/`));
    const mounted = (mountsOf[app] ?? []).some((v) => v.target === path.posix.resolve('/app', used));
    if (!inImage && !mounted) err(`${app}.environment`, `${name}=${used} is neither copied into the runtime image (docker/Dockerfile) nor mounted`);
  }
}

// ---------------------------------------------------------------- metric catalogue
const catalogue = new Map(); // name -> { type, labels: string[] | null, origin }
for (const [file, text] of sourceText) {
  const seen = new Set();
  for (const m of text.matchAll(/new\s+(Counter|Gauge|Histogram|Summary)\b[^(]*\(\s*\{([\s\S]*?)\}\s*\)/g)) {
    const name = /name:\s*'(lnbx_[a-zA-Z0-9_]+)'/.exec(m[2])?.[1];
    if (!name) continue;
    const labels = /labelNames:\s*\[([^\]]*)\]/.exec(m[2]);
    const declared = labels ? [...labels[1].matchAll(/'([^']+)'/g)].map((x) => x[1]) : [];
    // Declared by two services (the exporter's and monitor-api's lnbx_documents_exported_total): a query may name
    // a label either one's series has (monitor-api's carry the connection).
    const before = catalogue.get(name);
    const union = before?.labels ? [...new Set([...before.labels, ...declared])] : declared;
    catalogue.set(name, { type: m[1].toLowerCase(), labels: union, origin: before ? `${before.origin}, ${rel(file)}` : rel(file) });
    seen.add(name);
  }
  for (const m of text.matchAll(/name:\s*'(lnbx_[a-zA-Z0-9_]+)'/g)) {
    if (!seen.has(m[1]) && !catalogue.has(m[1])) catalogue.set(m[1], { type: 'unknown', labels: null, origin: rel(file) });
  }
}
const declaredCount = catalogue.size;

async function addDefaults() {
  const r = new Registry();
  collectDefaultMetrics({ register: r, prefix: 'lnbx_' });
  for (const m of await r.getMetricsAsJSON()) {
    if (!catalogue.has(m.name)) catalogue.set(m.name, { type: m.type, labels: r.getSingleMetric(m.name)?.labelNames ?? null, origin: 'prom-client default' });
  }
}

const usedPlanned = new Map();
function checkExpr(where, expr) {
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  const labelsInExpr = new Set(COMMON_LABELS);
  let lnbx = 0;
  for (const m of bare.matchAll(/\b(lnbx_[a-zA-Z0-9_]+)\b/g)) {
    const used = m[1];
    lnbx++;
    let base = used, entry = catalogue.get(used);
    if (!entry) {
      const s = /^(.*)_(bucket|sum|count)$/.exec(used);
      if (s && catalogue.get(s[1]) && ['histogram', 'summary', 'unknown'].includes(catalogue.get(s[1]).type) && (s[2] !== 'bucket' || catalogue.get(s[1]).type !== 'summary')) {
        base = s[1]; entry = catalogue.get(base);
      }
    }
    if (!entry) {
      const s = /^(.*)_(bucket|sum|count)$/.exec(used);
      const plannedBase = PLANNED_METRICS[used] ? used : s && PLANNED_METRICS[s[1]]?.type === 'histogram' ? s[1] : undefined;
      if (plannedBase) {
        base = plannedBase; entry = { ...PLANNED_METRICS[plannedBase], origin: 'planned' };
        if (!usedPlanned.has(base)) usedPlanned.set(base, new Set());
        usedPlanned.get(base).add(where.split(':')[0]);
      }
    }
    if (!entry) { err(where, `metric ${used} is declared nowhere in apps/ or libs/, is no prom-client default and is not in PLANNED_METRICS`); continue; }
    if (entry.labels === null) { labelsInExpr.add('*'); continue; }
    entry.labels.forEach((l) => labelsInExpr.add(l));
    const sel = new RegExp(`\\b${used}\\s*\\{([^}]*)\\}`, 'g');
    for (const s of bare.matchAll(sel)) {
      for (const l of s[1].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) {
        if (!COMMON_LABELS.has(l[1]) && !entry.labels.includes(l[1])) err(where, `${base} has no label "${l[1]}" (it has: ${entry.labels.join(', ') || 'none'})`);
      }
    }
  }
  if (!labelsInExpr.has('*')) {
    for (const g of bare.matchAll(/\b(by|without)\s*\(([^)]*)\)/g)) {
      for (const l of g[2].split(',').map((x) => x.trim()).filter(Boolean)) if (!labelsInExpr.has(l)) err(where, `${g[1]} (${l}): no metric in this query has that label`);
    }
  }
  return lnbx;
}

/**
 * The lnbx_ metrics of `expr` whose series carry a `connection` label (a brand's figures); given `filter`, only
 * those used at least once without a selector that matches it.
 */
function perBrandMetrics(expr, filter) {
  const found = new Set();
  for (const m of expr.matchAll(/\b(lnbx_[a-zA-Z0-9_]+)\b(\s*\{([^}]*)\})?/g)) {
    const base = catalogue.has(m[1]) ? m[1] : m[1].replace(/_(bucket|sum|count)$/, '');
    if (!catalogue.get(base)?.labels?.includes('connection')) continue;
    if (!filter || !filter.test(m[3] ?? '')) found.add(base);
  }
  return [...found];
}

// ---------------------------------------------------------------- Prometheus
function checkPrometheus() {
  const file = 'ops/prometheus/prometheus.yml';
  const prom = loadYaml(file);
  if (!isObj(prom)) return;
  const pmounts = mountsOf.prometheus ?? [];
  const configMount = pmounts.find((m) => m.source === path.resolve(repo, file));
  if (!configMount) err('prometheus.volumes', `${file} is not mounted`);
  const cmd = commandText(services.prometheus ?? {});
  if (configMount && cmd.includes('--config.file=') && !cmd.includes(`--config.file=${configMount.target}`)) err('prometheus.command', `--config.file is not ${configMount.target}`);
  for (const r of asList(prom.rule_files)) {
    const local = path.resolve(repo, path.dirname(file), r);
    if (!fs.existsSync(local)) { err(file, `rule file ${r} does not exist`); continue; }
    if (configMount) {
      const inContainer = path.posix.resolve(path.posix.dirname(configMount.target), r);
      if (!pmounts.some((m) => m.source === local && m.target === inContainer)) err('prometheus.volumes', `rule file ${r} must be mounted at ${inContainer}`);
    }
  }
  const targets = new Map();
  for (const sc of asList(prom.scrape_configs)) {
    if (!sc?.job_name) { err(file, 'a scrape config has no job_name'); continue; }
    if (sc.scrape_interval !== undefined && !DURATION.test(sc.scrape_interval)) err(file, `${sc.job_name}: scrape_interval is not a duration`);
    for (const s of asList(sc.static_configs)) for (const t of asList(s.targets)) targets.set(t, sc);
  }
  const psvc = services.prometheus ?? {};
  const entrypoint = interpolate(asList(psvc.entrypoint).join(' '));
  for (const [name, port] of Object.entries(APP_PORTS)) {
    const sc = targets.get(`${name}:${port}`);
    if (!sc) { err(file, `does not scrape ${name}:${port}`); continue; }
    if ((sc.metrics_path ?? '/metrics') !== '/metrics') err(file, `${sc.job_name} scrapes ${sc.metrics_path}, the services serve /metrics`);
    // The token comes from a file the container writes from METRICS_TOKEN when it starts: never written in the config.
    const tokenFile = sc.authorization?.credentials_file;
    if (sc.authorization?.credentials !== undefined) err(file, `${sc.job_name}: the token must not be written in the config (credentials_file, not credentials)`);
    if ((sc.authorization?.type ?? 'Bearer') !== 'Bearer' || !tokenFile) err(file, `${sc.job_name}: scrapes ${name}:${port} without METRICS_TOKEN (authorization: { type: Bearer, credentials_file: ... })`);
    else if (!entrypoint.includes(`"$METRICS_TOKEN" > ${tokenFile}`)) err('prometheus.entrypoint', `does not write METRICS_TOKEN into ${tokenFile}, the file ${sc.job_name} sends`);
  }
  if (envOf(psvc).METRICS_TOKEN !== 'required-metrics_token') err('prometheus.environment', 'METRICS_TOKEN must be ${METRICS_TOKEN:?...}: the same required secret as the services\'');
  for (const t of targets.keys()) {
    const [host, port] = t.split(':');
    if (host === '127.0.0.1' || host === 'localhost') continue;
    if (!services[host]) err(file, `target ${t}: no compose service ${host}`);
    else if (APP_PORTS[host] !== undefined && String(APP_PORTS[host]) !== port) err(file, `target ${t}: ${host} listens on ${APP_PORTS[host]}`);
  }

  const afile = 'ops/prometheus/alerts.yml';
  const alerts = loadYaml(afile);
  if (!isObj(alerts) || !Array.isArray(alerts.groups)) { err(afile, 'has no groups'); return; }
  const names = new Set();
  const metricsAlerted = new Set();
  for (const g of alerts.groups) {
    for (const r of asList(g.rules)) {
      const where = `${afile}:${r.alert ?? r.record ?? '?'}`;
      if (!r.alert && !r.record) { err(where, 'a rule has neither alert nor record'); continue; }
      if (r.alert) {
        if (names.has(r.alert)) err(where, 'alert name used twice');
        names.add(r.alert);
        if (!['critical', 'warning', 'info'].includes(r.labels?.severity)) err(where, 'labels.severity must be critical, warning or info');
        if (!r.annotations?.summary) err(where, 'annotations.summary is missing');
      }
      if (r.for !== undefined && !DURATION.test(String(r.for))) err(where, `for "${r.for}" is not a duration`);
      if (typeof r.expr !== 'string' || !r.expr.trim()) { err(where, 'expr is missing'); continue; }
      checkExpr(where, r.expr);
      // A brand's failure is told as that brand's: an alert on a per-brand series keeps the connection.
      if (r.alert && perBrandMetrics(r.expr).length) {
        const groupings = [...r.expr.matchAll(/\b(by|without)\s*\(([^)]*)\)/g)];
        const keeps = groupings.every((g) => (g[1] === 'by') === g[2].split(',').map((x) => x.trim()).includes('connection'));
        if (!keeps) err(where, `uses ${perBrandMetrics(r.expr).join(', ')} (per connection) but does not group by connection`);
      }
      for (const m of REQUIRED_ALERT_METRICS) if (new RegExp(`\\b${m}\\b`).test(r.expr)) metricsAlerted.add(m);
    }
  }
  for (const m of REQUIRED_ALERT_METRICS) if (!metricsAlerted.has(m)) err(afile, `no alert on ${m}`);
}

// ---------------------------------------------------------------- Grafana
function checkGrafana() {
  const gmounts = mountsOf.grafana ?? [];
  const mountedAt = (dir) => gmounts.find((m) => m.source === path.resolve(repo, dir))?.target;
  const uids = new Map();
  const dsDir = 'ops/grafana/provisioning/datasources';
  if (mountedAt(dsDir) !== '/etc/grafana/provisioning/datasources') err('grafana.volumes', `${dsDir} must be mounted at /etc/grafana/provisioning/datasources`);
  for (const f of fs.readdirSync(path.join(repo, dsDir)).filter((f) => /\.ya?ml$/.test(f))) {
    const doc = loadYaml(`${dsDir}/${f}`);
    if (doc?.apiVersion !== 1) err(`${dsDir}/${f}`, 'apiVersion must be 1');
    for (const d of asList(doc?.datasources)) {
      if (!d.uid || !d.type || !d.name) { err(`${dsDir}/${f}`, 'every datasource needs name, type and uid'); continue; }
      if (uids.has(d.uid)) err(`${dsDir}/${f}`, `datasource uid ${d.uid} is used twice`);
      uids.set(d.uid, d.type);
      if (d.url) {
        const u = new URL(d.url);
        const svc = services[u.hostname];
        if (!svc) err(`${dsDir}/${f}`, `${d.name}: ${u.hostname} is not a compose service`);
        else if (d.type === 'prometheus' && u.port !== '9090') err(`${dsDir}/${f}`, `${d.name}: Prometheus listens on 9090`);
      }
    }
  }
  if (![...uids.values()].includes('prometheus')) err(dsDir, 'no Prometheus datasource');

  const provDir = 'ops/grafana/provisioning/dashboards';
  if (mountedAt(provDir) !== '/etc/grafana/provisioning/dashboards') err('grafana.volumes', `${provDir} must be mounted at /etc/grafana/provisioning/dashboards`);
  const dashTarget = mountedAt('ops/grafana/dashboards');
  if (!dashTarget) err('grafana.volumes', 'ops/grafana/dashboards is not mounted');
  let providers = 0;
  for (const f of fs.readdirSync(path.join(repo, provDir)).filter((f) => /\.ya?ml$/.test(f))) {
    const doc = loadYaml(`${provDir}/${f}`);
    if (doc?.apiVersion !== 1) err(`${provDir}/${f}`, 'apiVersion must be 1');
    for (const p of asList(doc?.providers)) {
      providers++;
      if (p.type !== 'file') err(`${provDir}/${f}`, `${p.name}: type must be file`);
      if (p.options?.path !== dashTarget) err(`${provDir}/${f}`, `${p.name}: options.path ${p.options?.path} is not where docker-compose.yml mounts the dashboards (${dashTarget})`);
    }
  }
  if (!providers) err(provDir, 'no dashboard provider');
  const home = envOf(services.grafana ?? {}).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
  if (home && (!dashTarget || !exists(path.join('ops/grafana/dashboards', path.posix.relative(dashTarget, home))))) err('grafana.environment', `home dashboard ${home} is not a mounted file`);

  const dashDir = 'ops/grafana/dashboards';
  const files = fs.readdirSync(path.join(repo, dashDir)).filter((f) => f.endsWith('.json'));
  for (const f of DASHBOARDS) if (!files.includes(f)) err(dashDir, `${f} is missing`);
  const seenUid = new Set(), seenTitle = new Set();
  const queries = [];
  for (const f of files) {
    const where = `${dashDir}/${f}`;
    const d = load(where, JSON.parse);
    if (!isObj(d)) continue;
    if (!d.uid || d.uid.length > 40) err(where, 'uid missing or longer than 40 characters');
    if (seenUid.has(d.uid)) err(where, `uid ${d.uid} is used twice`);
    if (seenTitle.has(d.title)) err(where, `title ${d.title} is used twice`);
    seenUid.add(d.uid); seenTitle.add(d.title);
    if (!d.title) err(where, 'no title');
    if (!Number.isInteger(d.schemaVersion) || d.schemaVersion < 36) err(where, 'schemaVersion should be 36 or later (datasources by uid)');
    const panels = (d.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
    if (!panels.some((p) => p.type !== 'row')) err(where, 'no panels');
    const ids = new Set();
    for (const p of panels) {
      const pw = `${where}#${p.id} "${p.title}"`;
      if (!Number.isInteger(p.id) || ids.has(p.id)) err(pw, 'panel id missing or used twice');
      ids.add(p.id);
      const g = p.gridPos;
      if (!g || ![g.x, g.y, g.w, g.h].every(Number.isInteger) || g.x < 0 || g.w < 1 || g.x + g.w > 24) err(pw, 'gridPos must hold integers x, y, w, h within 24 columns');
      if (p.type === 'row') continue;
      const refs = [p.datasource, ...asList(p.targets).map((t) => t.datasource)].filter(Boolean);
      for (const ds of refs) {
        if (typeof ds !== 'object' || !ds.uid) err(pw, 'datasource must be referred to by uid ({ type, uid })');
        else if (!ds.uid.startsWith('$') && !uids.has(ds.uid)) err(pw, `datasource uid ${ds.uid} is provisioned nowhere`);
      }
      if (!asList(p.targets).length) err(pw, 'no queries');
      for (const t of asList(p.targets)) {
        if (typeof t.expr !== 'string' || !t.expr.trim()) { err(pw, `query ${t.refId} has no expr`); continue; }
        if (!checkExpr(`${where}#${p.id}`, t.expr)) warn(pw, `query ${t.refId} uses no lnbx_ metric`);
        // Every per-brand series shows the connections chosen in the dashboard's connection variable.
        const unfiltered = perBrandMetrics(t.expr, /connection=~"\$connection"/);
        if (unfiltered.length) err(pw, `query ${t.refId}: per-connection series (${unfiltered.join(', ')}) not filtered with {connection=~"$connection"}`);
        if (perBrandMetrics(t.expr).length && !asList(d.templating?.list).some((v) => v.name === 'connection')) err(where, 'shows per-connection series but has no connection variable');
        queries.push({ where: `${f}#${p.id}${t.refId}`, expr: t.expr });
      }
    }
  }
  // promtool parses these as recording rules; Grafana's variables stand in as fixed ranges.
  const rules = queries.map((q, i) => ({
    record: `lnbx_dashboard_query_${i}`,
    // A dashboard variable ($connection) in a label matcher stands for any value.
    expr: q.expr.replace(/\$__rate_interval|\$__interval/g, '1m').replace(/\$__range/g, '6h').replace(/\$(?!__)[A-Za-z_][A-Za-z0-9_]*/g, '.*'),
    labels: { query: q.where },
  }));
  fs.writeFileSync(path.join(work, 'dashboard-queries.yml'), yaml.dump({ groups: [{ name: 'dashboard-queries', rules }] }));
}

(async () => {
  await addDefaults();
  for (const [name, spec] of Object.entries(PLANNED_METRICS)) {
    const got = catalogue.get(name);
    if (!got) continue;
    if (got.origin === 'prom-client default') { err('PLANNED_METRICS', `${name} is a prom-client default`); continue; }
    warn('PLANNED_METRICS', `${name} is now declared in ${got.origin}: move it off the planned list`);
    if (got.type !== 'unknown' && got.type !== spec.type) err(name, `declared as a ${got.type} in ${got.origin}, dashboards expect a ${spec.type}`);
    // Extra labels are harmless (queries aggregate them away); a missing one empties a panel.
    const missing = got.labels ? spec.labels.filter((l) => !got.labels.includes(l)) : [];
    if (missing.length) err(name, `declared with labels [${got.labels}] in ${got.origin}, dashboards expect [${spec.labels}]`);
  }
  checkPrometheus();
  checkGrafana();
  if (usedPlanned.size) {
    warn('metrics', `${usedPlanned.size} planned metric(s) used before the code declares them (panels stay empty until then):\n    ` +
      [...usedPlanned].map(([n, files]) => `${n}  (${[...files].map((f) => path.basename(f)).join(', ')})`).join('\n    '));
  }
  for (const w of new Set(warnings)) console.error(`[check-compose] WARN: ${w}`);
  for (const e of new Set(errors)) console.error(`[check-compose] FAIL: ${e}`);
  console.error(`[check-compose] node check: ${Object.keys(services).length} services, ${declaredCount} metrics declared in code, ${usedPlanned.size} planned in use, ${warnings.length} warning(s), ${errors.length} problem(s)`);
  process.exit(errors.length ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(1); });
JS

# --- 3. promtool: Prometheus' own parser for the config, the rules and the dashboard queries ------
promtool_bin=""
if command -v promtool >/dev/null; then
  promtool_bin=$(command -v promtool)
elif [ -x "$cache/promtool" ]; then
  promtool_bin="$cache/promtool"
elif can_apt; then
  # Only the promtool binary is taken from the package: nothing is installed, no service is started.
  log "extracting promtool from Debian's prometheus package into $cache"
  if apt_update && (cd "$work" && apt-get download -qq prometheus >"$work/apt-prom.log" 2>&1); then
    dpkg-deb -x "$work"/prometheus_*.deb "$work/prom"
    mkdir -p "$cache" && cp "$work/prom/usr/bin/promtool" "$cache/promtool"
    promtool_bin="$cache/promtool"
  else
    log "WARN: could not download the prometheus package; see below"
    tail -n 5 "$work/apt-update.log" "$work/apt-prom.log" >&2 2>/dev/null || true
  fi
fi

if [ -n "$promtool_bin" ]; then
  log "promtool check config (includes the rule files)"
  # The scrape's token file is written when the container starts (docker-compose.yml), and promtool wants it to
  # exist: a copy of the config names a stand-in instead, the rest (rule files included) checked as it is.
  mkdir -p "$work/prometheus"
  cp ops/prometheus/*.yml "$work/prometheus/"
  printf 'stand-in' >"$work/prometheus/metrics-token"
  sed -i "s#credentials_file: .*#credentials_file: $work/prometheus/metrics-token#" "$work/prometheus/prometheus.yml"
  "$promtool_bin" check config "$work/prometheus/prometheus.yml" >"$work/promtool.log" 2>&1 \
    || { cat "$work/promtool.log" >&2; problem "promtool rejects ops/prometheus/prometheus.yml"; }
  log "promtool test rules (each alert fires when it should, and only then)"
  cat >"$work/alerts.test.yml" <<YAML
rule_files:
  - $repo/ops/prometheus/alerts.yml
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'lnbx_runs_total{connection="uk",flow="poll",outcome="failed",service="monitor-api"}'
        values: '0 0 1x40'
      - series: 'lnbx_runs_total{connection="uk",flow="poll",outcome="succeeded",service="monitor-api"}'
        values: '0+1x40'
      - series: 'lnbx_runs_total{connection="nl",flow="poll",outcome="succeeded",service="monitor-api"}'
        values: '0+1x40'
      - series: 'lnbx_documents_stuck{connection="uk",flow="export",service="monitor-api"}'
        values: '2x40'
      - series: 'lnbx_documents_stuck{connection="nl",flow="export",service="monitor-api"}'
        values: '0x40'
      - series: 'lnbx_xero_connection_up{connection="uk",tenant="demo",service="xero-exporter"}'
        values: '1 1 0x40'
      - series: 'lnbx_xero_connection_up{connection="nl",tenant="demo",service="xero-exporter"}'
        values: '1x40'
      - series: 'lnbx_dead_letters_total{topic="lnb.invoice.detected.v1",code="DECODE",service="mapper"}'
        values: '0 0 3x40'
      - series: 'up{job="lnbx",instance="mapper:4002"}'
        values: '1 0x40'
      - series: 'lnbx_outbox_lag_events{service="lnb-poller"}'
        values: '0 3 0 7x40'
    alert_rule_test:
      - eval_time: 5m
        alertname: LnbxRunFailed
        exp_alerts:
          - exp_labels: { severity: warning, connection: uk, flow: poll }
            exp_annotations:
              summary: "A poll run of uk failed"
              description: "1 poll run(s) of connection uk failed in the last 15 minutes. The monitor's task log names the cause."
      - eval_time: 30m
        alertname: LnbxRunFailed
        exp_alerts: []
      - eval_time: 29m
        alertname: LnbxDocumentsStuck
        exp_alerts: []
      - eval_time: 31m
        alertname: LnbxDocumentsStuck
        exp_alerts:
          - exp_labels: { severity: warning, connection: uk, flow: export }
            exp_annotations:
              summary: "Documents of uk stuck in export"
              description: "2 document(s) of connection uk have not moved on in export for 30 minutes or more."
      - eval_time: 6m
        alertname: LnbxXeroConnectionLost
        exp_alerts: []
      - eval_time: 7m
        alertname: LnbxXeroConnectionLost
        exp_alerts:
          - exp_labels: { severity: critical, connection: uk, tenant: demo }
            exp_annotations:
              summary: "Xero connection lost for uk (tenant demo)"
              description: "The exporter cannot reach Xero for connection uk (tenant demo) for 5 minutes: its exports wait until the connection is restored (re-authorise it if the token was revoked); other connections go on."
      - eval_time: 5m
        alertname: LnbxDeadLettersGrowing
        exp_alerts:
          - exp_labels: { severity: warning, topic: lnb.invoice.detected.v1, code: DECODE }
            exp_annotations:
              summary: "Messages dead-lettered from lnb.invoice.detected.v1 (DECODE)"
              description: "3 message(s) from lnb.invoice.detected.v1 went to its dead-letter topic in the last 15 minutes with code DECODE."
      - eval_time: 30m
        alertname: LnbxDeadLettersGrowing
        exp_alerts: []
      - eval_time: 16m
        alertname: LnbxOutboxNotDraining
        exp_alerts: []
      - eval_time: 18m
        alertname: LnbxOutboxNotDraining
        exp_alerts:
          - exp_labels: { severity: warning, service: lnb-poller }
            exp_annotations:
              summary: "lnb-poller's outbox has not drained for 15 minutes"
              description: "7 event(s) of lnb-poller wait to be published to Kafka and the outbox has not been empty once in 15 minutes. The service's log ('outbox relay: publish failed') names the cause."
      - eval_time: 4m
        alertname: LnbxServiceDown
        exp_alerts:
          - exp_labels: { severity: critical, job: lnbx, instance: "mapper:4002" }
            exp_annotations:
              summary: "mapper:4002 does not answer /metrics"
              description: "Prometheus could not scrape mapper:4002 for 2 minutes: the service is down or not ready."
YAML
  "$promtool_bin" test rules "$work/alerts.test.yml" >"$work/promtool-test.log" 2>&1 \
    || { cat "$work/promtool-test.log" >&2; problem "the alert rules do not fire as tested"; }
  log "promtool parses every dashboard query"
  if [ -f "$work/dashboard-queries.yml" ]; then
    "$promtool_bin" check rules "$work/dashboard-queries.yml" >"$work/promtool-dash.log" 2>&1 \
      || { grep -v '^  SUCCESS' "$work/promtool-dash.log" >&2; problem "a dashboard query is not valid PromQL"; }
  fi
else
  log "WARN: promtool is unavailable: skipped PromQL parsing and the alert unit tests"
fi

if [ "$failed" != 0 ]; then log "problems found"; exit 1; fi
log "all checks passed"
