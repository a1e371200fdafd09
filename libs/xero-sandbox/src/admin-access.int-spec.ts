// Both sandboxes' admin APIs, in-process and as their apps: a browser page cannot drive them (JSON only, and
// loopback names only without a token), a configured token is required, and neither starts beyond loopback
// without one. One spec for both, as they share the guard (libs/lnb-sandbox/src/admin-access.ts); here, as
// this lib is the one that depends on the other.
import { startLnbSandbox } from '@lnbx/lnb-sandbox';
import { spawnService } from '@lnbx/testing';
import { spawnSync } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { startXeroSandbox } from './sandbox';

const ROOT = path.resolve(__dirname, '../../..');

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** node:http, not fetch: a test must be able to send any Host header, as a rebinding page would. */
function request(url: string, method = 'GET', headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request(url, { method, headers: { ...length, ...headers }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Running {
  admin: string;
  faults(): number;
  close(): Promise<void>;
}

interface Subject {
  name: string;
  variable: string;
  start(options: { host?: string; adminToken?: string }): Promise<Running>;
  /** A fault rule: a change made through the admin API (and seen by faults()). */
  fault: Record<string, unknown>;
  app: { name: string; port: string; host: string; ready: string; adminOf(line: Record<string, unknown>): string };
}

const SUBJECTS: Subject[] = [
  {
    name: 'LNB sandbox',
    variable: 'LNB_SANDBOX_ADMIN_TOKEN',
    start: async (options) => {
      const lnb = await startLnbSandbox({ invoices: 10, creditNotes: 0, retailers: 2, ...options });
      return { admin: lnb.adminUrl, faults: () => lnb.admin.faults().length, close: () => lnb.close() };
    },
    fault: { kind: 'server-error', path: '/version' },
    app: { name: 'lnb-sandbox', port: 'LNB_SANDBOX_PORT', host: 'LNB_SANDBOX_HOST', ready: 'LNB sandbox listening', adminOf: (line) => String(line.admin) },
  },
  {
    name: 'Xero sandbox',
    variable: 'XERO_SANDBOX_ADMIN_TOKEN',
    start: async (options) => {
      const xero = await startXeroSandbox({ limits: false, specPath: null, ...options });
      return { admin: `${xero.url}/__admin`, faults: () => xero.admin.faults().length, close: () => xero.close() };
    },
    fault: { kind: 'error', status: 500, times: 1 },
    app: {
      name: 'xero-sandbox',
      port: 'XERO_SANDBOX_PORT',
      host: 'XERO_SANDBOX_HOST',
      ready: 'xero sandbox listening',
      adminOf: (line) => `${String(line.url)}/__admin`,
    },
  },
];

const JSON_TYPE = { 'content-type': 'application/json' };
const TOKEN = 'a3f1c9e07b5d4e2a8c6f0b1d9e7a5c3f';

describe.each(SUBJECTS)('$name admin API', (subject) => {
  describe('on loopback without a token', () => {
    let sandbox: Running;
    beforeAll(async () => {
      sandbox = await subject.start({});
    });
    afterAll(() => sandbox.close());

    it('answers 415 naming the header to what a page could send cross-site, and changes nothing', async () => {
      const body = JSON.stringify(subject.fault);
      const before = sandbox.faults();
      const refused = [
        await request(`${sandbox.admin}/faults`, 'POST', { 'content-type': 'text/plain' }, body),
        await request(`${sandbox.admin}/faults`, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, 'kind=error'),
        await request(`${sandbox.admin}/faults`, 'POST', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--'),
        // A body without a type; and a POST without a body (a no-cors fetch).
        await request(`${sandbox.admin}/faults`, 'POST', {}, body),
        await request(`${sandbox.admin}/faults`, 'POST'),
        await request(`${sandbox.admin}/faults`, 'DELETE', { 'content-type': 'text/plain' }, 'x'),
      ];
      expect(refused.map((r) => r.status)).toEqual([415, 415, 415, 415, 415, 415]);
      expect(refused[0].text).toContain('content-type: application/json');
      expect(sandbox.faults()).toBe(before);

      const taken = await request(`${sandbox.admin}/faults`, 'POST', { 'content-type': 'Application/JSON; charset=utf-8' }, body);
      expect(taken.status).toBeLessThan(300);
      expect(sandbox.faults()).toBe(before + 1);
      // A DELETE without a body needs no type (and needs a preflight cross-site anyway).
      expect((await request(`${sandbox.admin}/faults`, 'DELETE')).status).toBeLessThan(300);
      expect(sandbox.faults()).toBe(0);
    });

    it('reads without a type, but only when addressed by a loopback name (a rebinding page is not)', async () => {
      const { port } = new URL(sandbox.admin);
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
        expect((await request(`${sandbox.admin}/state`, 'GET', { host })).status).toBe(200);
      }
      const rebound = await request(`${sandbox.admin}/state`, 'GET', { host: `attacker.example:${port}` });
      expect(rebound.status).toBe(403);
      expect(rebound.text).toContain(subject.variable);
      const write = await request(`${sandbox.admin}/faults`, 'POST', { ...JSON_TYPE, host: 'attacker.example' }, JSON.stringify(subject.fault));
      expect(write.status).toBe(403);
      expect(sandbox.faults()).toBe(0);
    });
  });

  describe('with a token', () => {
    let sandbox: Running;
    beforeAll(async () => {
      sandbox = await subject.start({ adminToken: TOKEN });
    });
    afterAll(() => sandbox.close());

    it('answers 401 without the right bearer token, naming the variable, never the token', async () => {
      const asked = [
        await request(`${sandbox.admin}/state`),
        await request(`${sandbox.admin}/state`, 'GET', { authorization: `Bearer ${TOKEN.slice(0, -1)}0` }),
        await request(`${sandbox.admin}/state`, 'GET', { authorization: `Bearer ${TOKEN}x` }),
        await request(`${sandbox.admin}/state`, 'GET', { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` }),
        await request(`${sandbox.admin}/faults`, 'POST', JSON_TYPE, JSON.stringify(subject.fault)),
      ];
      expect(asked.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
      expect(asked[0].headers['www-authenticate']).toMatch(/^Bearer/);
      expect(asked[0].text).toContain(subject.variable);
      expect(asked.map((r) => r.text).join('')).not.toContain(TOKEN);
      expect(sandbox.faults()).toBe(0);
    });

    it('lets the right token in, still as JSON only', async () => {
      const bearer = { authorization: `Bearer ${TOKEN}` };
      expect((await request(`${sandbox.admin}/state`, 'GET', bearer)).status).toBe(200);
      expect((await request(`${sandbox.admin}/state`, 'GET', { authorization: `bearer  ${TOKEN}` })).status).toBe(200);
      expect((await request(`${sandbox.admin}/faults`, 'POST', { ...bearer, 'content-type': 'text/plain' }, JSON.stringify(subject.fault))).status).toBe(415);
      expect((await request(`${sandbox.admin}/faults`, 'POST', { ...bearer, ...JSON_TYPE }, JSON.stringify(subject.fault))).status).toBeLessThan(300);
      expect(sandbox.faults()).toBe(1);
    });
  });

  it('refuses to start beyond loopback without a token, naming the variable, and takes no short token', async () => {
    await expect(subject.start({ host: '0.0.0.0' })).rejects.toThrow(new RegExp(`listening on 0\\.0\\.0\\.0.*set ${subject.variable}`));
    await expect(subject.start({ host: '::' })).rejects.toThrow(subject.variable);
    const short = 'only-13-chars';
    const refusal = await subject.start({ host: '127.0.0.1', adminToken: short }).then(
      () => '',
      (err: Error) => err.message,
    );
    expect(refusal).toContain(subject.variable);
    expect(refusal).not.toContain(short);
  });

  it('as a process: refuses 0.0.0.0 without the variable; with it, logs no token and wants it', async () => {
    const { app } = subject;
    const base = { [app.port]: '0', [subject.variable]: '', XERO_SANDBOX_STATE_FILE: '', LNB_SANDBOX_INVOICES: '10' };
    // Run to its end (spawnService waits for a start line that never comes).
    const main = ['-r', path.join(ROOT, 'tools/runtime/register-ts.js'), path.join(ROOT, `apps/${app.name}/src/main.ts`)];
    const refused = spawnSync(process.execPath, main, {
      cwd: ROOT,
      env: { ...process.env, ...base, [app.host]: '0.0.0.0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect([refused.status, refused.stdout]).toEqual([1, '']);
    expect(refused.stderr).toContain(subject.variable);

    const service = await spawnService(app.name, { ...base, [app.host]: '127.0.0.1', [subject.variable]: TOKEN }, { readyMessage: app.ready });
    try {
      const line = service.logs.find((l) => l.msg === app.ready)!;
      expect(JSON.stringify(service.logs)).not.toContain(TOKEN);
      expect(line.adminAccess).toContain(subject.variable);
      const admin = app.adminOf(line);
      expect((await request(`${admin}/state`)).status).toBe(401);
      expect((await request(`${admin}/state`, 'GET', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    } finally {
      await service.stop();
    }
  });
});
