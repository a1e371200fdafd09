// GET /__admin/call-times: each organisation's calls read back from outside (bench:tenants measures pace, calls
// at once and each organisation's share of the app from it), the refused ones with the limit they hit.
import { startXeroSandbox, type XeroSandbox } from './sandbox';
import type { TenantCallTimes } from './types';
import { xeroNodeFor } from './testing';

describe('the call times, per organisation', () => {
  let sandbox: XeroSandbox;
  beforeAll(async () => {
    sandbox = await startXeroSandbox({ limits: { perMinute: 2 } });
  });
  afterAll(() => sandbox.close());

  const callTimes = async (query = ''): Promise<Record<string, TenantCallTimes>> => {
    const res = await fetch(`${sandbox.url}/__admin/call-times${query}`, { headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, TenantCallTimes>;
  };

  it("says when each call arrived, how long it took and how it was answered, each organisation apart, a refusal's limit included", async () => {
    const { api } = await xeroNodeFor(sandbox);
    const [uk, eu] = sandbox.tenantIds;
    const before = Date.now();
    await api.getCurrencies(uk);
    await api.getCurrencies(uk);
    await api.getCurrencies(uk).catch(() => undefined);
    await api.getCurrencies(eu);
    const after = Date.now();

    const all = await callTimes();
    expect(Object.keys(all).sort()).toEqual([uk, eu].sort());
    expect(all[uk].dropped).toBe(0);
    expect(all[uk].calls.map((c) => [c.method, c.path, c.status, c.reason])).toEqual([
      ['GET', '/Currencies', 200, undefined],
      ['GET', '/Currencies', 200, undefined],
      ['GET', '/Currencies', 429, 'limit:minute'],
    ]);
    for (const c of [...all[uk].calls, ...all[eu].calls]) {
      expect(c.at).toBeGreaterThanOrEqual(before);
      expect(c.at + c.ms).toBeLessThanOrEqual(after);
    }
    expect(await callTimes(`?tenantId=${eu}`)).toEqual({ [eu]: all[eu] });

    sandbox.admin.reset();
    expect(await callTimes()).toEqual({});
  });
});
