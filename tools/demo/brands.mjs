// Sets brands up on a running deployment the way an integrator does, through monitor-api's REST API with an admin
// key: the connection, its LNB credentials (checked with LNB at once), its mapping when it needs its own, and its
// Xero organisation through the authorization-code flow (the Xero sandbox consents at once to the organisation
// named). Used by the demo and by docker-compose's one-shot `setup` service; running it again changes nothing.
//   node tools/demo/brands.mjs --monitor http://127.0.0.1:4000 --admin-key <key> [--xero-sandbox http://127.0.0.1:4020] [--only uk]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The two brands of the sandboxes: each its own LNB sandbox account and its own Xero sandbox organisation. */
export const DEMO_BRANDS = [
  {
    id: 'uk',
    name: 'Demo Fashion UK',
    timeZone: 'Europe/London',
    baseCurrency: 'GBP',
    lnb: { clientId: 'lnb-sandbox-client', clientSecret: 'lnb-sandbox-secret' },
    organisation: 'Demo Fashion Ltd',
    // The deployment's default mapping (MAPPING_CONFIG_FILE, apps/mapper/mapping.example.json) is British.
    mapping: null,
  },
  {
    id: 'nl',
    name: 'Demo Fashion NL',
    timeZone: 'Europe/Amsterdam',
    baseCurrency: 'EUR',
    lnb: { clientId: 'demo-nl-client', clientSecret: 'demo-nl-secret' },
    organisation: 'Demo Fashion BV',
    mapping: path.join(here, 'mapping-nl.json'),
  },
];

async function call(base, key, method, route, body, extra = {}) {
  const res = await fetch(`${base}${route}`, {
    method,
    redirect: 'manual',
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extra },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, json, text, headers: res.headers };
}

function expectStatus(what, answer, ...ok) {
  if (!ok.includes(answer.status)) throw new Error(`${what}: HTTP ${answer.status} ${answer.text.slice(0, 400)}`);
  return answer;
}

/**
 * Connects the brand's Xero organisation as an operator would press "Connect to Xero": the consent link from
 * monitor-api, the sandbox's consent limited to the organisation named, the callback with the browser's cookie.
 */
async function connectXero(o, brand, say) {
  const scoped = `?connection=${brand.id}`;
  const status = expectStatus('GET /api/xero/status', await call(o.monitor, o.adminKey, 'GET', `/api/xero/status${scoped}`), 200);
  if (status.json?.connected === true) return;
  const state = await fetch(`${o.xeroSandbox}/__admin/state`).then((r) => r.json());
  const tenant = state.tenants.find((t) => t.name === brand.organisation);
  if (!tenant) throw new Error(`the Xero sandbox has no organisation named ${brand.organisation}`);
  const started = await call(o.monitor, o.adminKey, 'POST', `/api/xero/connect${scoped}`, {});
  if (started.status === 409) {
    say(`${brand.id}: the exporter uses a custom connection (${started.json?.message ?? 'nothing to authorise'})`);
    return;
  }
  expectStatus('POST /api/xero/connect', started, 201);
  const cookie = (started.headers.get('set-cookie') ?? '').split(';')[0];
  const consent = new URL(started.json.authorizeUrl);
  consent.searchParams.set('tenants', tenant.tenantId);
  const back = await fetch(consent, { redirect: 'manual' });
  const callback = back.headers.get('location');
  if (back.status !== 302 || !callback) throw new Error(`the Xero sandbox's consent answered HTTP ${back.status}`);
  const done = await fetch(callback, { redirect: 'manual', headers: { cookie } });
  if (done.status !== 303) throw new Error(`the Integration Center's callback answered HTTP ${done.status}: ${(await done.text()).slice(0, 300)}`);
  say(`${brand.id}: connected to ${brand.organisation}`);
}

/** Creates what is missing of each brand; a brand already set up is left as it is. */
export async function setUpBrands(o, brands = DEMO_BRANDS, say = () => undefined) {
  for (const brand of brands) {
    const existing = await call(o.monitor, o.adminKey, 'GET', `/api/connections/${brand.id}`);
    if (existing.status === 404) {
      const { id, name, timeZone, baseCurrency } = brand;
      expectStatus(`POST /api/connections (${id})`, await call(o.monitor, o.adminKey, 'POST', '/api/connections', { id, name, timeZone, baseCurrency }), 201);
      say(`${id}: connection created`);
    } else expectStatus(`GET /api/connections/${brand.id}`, existing, 200);
    if (!existing.json?.connection?.lnbCredentials) {
      expectStatus(
        `PUT /api/connections/${brand.id}/lnb-credentials`,
        await call(o.monitor, o.adminKey, 'PUT', `/api/connections/${brand.id}/lnb-credentials`, brand.lnb),
        200,
        202,
        204,
      );
      say(`${brand.id}: LNB credentials accepted by LNB`);
    }
    if (brand.mapping && !existing.json?.connection?.mappingChanged) {
      const config = JSON.parse(readFileSync(brand.mapping, 'utf8'));
      expectStatus(
        `POST /api/mapping/changes (${brand.id})`,
        await call(o.monitor, o.adminKey, 'POST', `/api/mapping/changes?connection=${brand.id}`, { type: 'Replace', config }),
        202,
      );
      say(`${brand.id}: its own mapping sent (${path.basename(brand.mapping)})`);
    }
    if (o.xeroSandbox) await connectXero(o, brand, say);
  }
}

/** The admin key of MONITOR_BOOTSTRAP_KEYS ("...,admin:<key>"), for a one-shot that shares monitor-api's environment. */
function adminKeyOf(bootstrapKeys) {
  const entry = (bootstrapKeys ?? '').split(',').find((e) => e.trim().startsWith('admin:'));
  return entry?.trim().slice('admin:'.length) || undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const o = {
    monitor: (arg('monitor') ?? process.env.MONITOR_URL ?? 'http://127.0.0.1:4000').replace(/\/+$/, ''),
    adminKey: arg('admin-key') ?? process.env.ADMIN_KEY ?? adminKeyOf(process.env.MONITOR_BOOTSTRAP_KEYS),
    xeroSandbox: (arg('xero-sandbox') ?? process.env.XERO_SANDBOX_URL ?? '').replace(/\/+$/, '') || undefined,
  };
  if (!o.adminKey) {
    console.error('--admin-key (or ADMIN_KEY, or an admin:<key> entry in MONITOR_BOOTSTRAP_KEYS) is needed: an admin key of monitor-api');
    process.exit(2);
  }
  // --only uk,nl picks brands; BRAND_<ID>_LNB_CLIENT_ID / _SECRET replace a brand's sandbox credentials.
  const only = (arg('only') ?? process.env.BRANDS ?? '').split(',').filter(Boolean);
  const brands = DEMO_BRANDS.filter((b) => !only.length || only.includes(b.id)).map((b) => {
    const env = (what) => process.env[`BRAND_${b.id.toUpperCase()}_LNB_${what}`];
    return { ...b, lnb: { clientId: env('CLIENT_ID') || b.lnb.clientId, clientSecret: env('CLIENT_SECRET') || b.lnb.clientSecret } };
  });
  setUpBrands(o, brands, (m) => console.log(`[brands] ${m}`)).catch((err) => {
    console.error(`[brands] ${err.message}`);
    process.exit(1);
  });
}
