// Xero's app-wide limit kept in Postgres (exporter.app_calls): who counts in the fair split, and the sender's look
// at who has room. bench:tenants found the first organisations of a busy start taking their own limit each while
// the others' units had not yet asked: an organisation with documents due now counts before it ever asks.
import { createTestDatabase, type TestDatabase } from '@lnbx/testing';
import { Pool } from 'pg';
import { AppBudget } from './app-budget';

const MINUTE = 60_000;
/** The middle of a limit-minute window, so no call of the test falls in the next one. */
const NOW = 1_000 * MINUTE + MINUTE / 2;

describe("the app budget's split, in Postgres", () => {
  let db: TestDatabase;
  let pool: Pool;
  let budget: AppBudget;

  beforeAll(async () => {
    db = await createTestDatabase('app_budget');
    pool = new Pool({ connectionString: db.url, max: 2 });
    budget = new AppBudget(pool, { limit: 10, perTenant: 60 }, MINUTE);
  });
  afterEach(() => pool.query('delete from exporter.app_calls; delete from exporter.app_pace'));
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  /** How many calls `tenant` gets one after another at `at` (a millisecond apart), until refused. */
  async function takeAll(tenant: string, at = NOW, from: AppBudget = budget): Promise<number> {
    let taken = 0;
    while ((await from.tryTake(tenant, at + taken)).ok) taken++;
    return taken;
  }

  it("does not pace an organisation whose share is its own limit (Xero's limiter holds it there): only the app's limit counts", async () => {
    const roomy = new AppBudget(pool, { limit: 100, perTenant: 5 }, MINUTE);
    expect(await takeAll('org-a', NOW, roomy)).toBe(100);
  });

  it('paces a busy organisation at its share at once when another has documents due, before that one ever asked', async () => {
    await budget.noteWork(['org-a', 'org-b'], NOW);
    // 10 a minute for two: 5 each, one every 12 s.
    expect(await takeAll('org-a')).toBe(1);
    const { hasShare, used } = await budget.room(NOW + 1);
    expect([hasShare('org-a'), hasShare('org-b')]).toEqual([false, true]);
    expect([used('org-a'), used('org-b')]).toEqual([1, 0]);
    expect(await takeAll('org-b')).toBe(1);
    expect([await takeAll('org-a', NOW + 11_999), await takeAll('org-a', NOW + 12_000)]).toEqual([0, 1]);
  });

  it('keeps the pace in Postgres: a second exporter instance holds the organisation to it too', async () => {
    const other = new AppBudget(pool, { limit: 10, perTenant: 60 }, MINUTE);
    await budget.noteWork(['org-a', 'org-b'], NOW);
    expect(await takeAll('org-a', NOW, budget)).toBe(1);
    expect(await takeAll('org-a', NOW + 6_000, other)).toBe(0);
    expect(await takeAll('org-a', NOW + 12_000, other)).toBe(1);
  });

  it('says who has room without taking any of it', async () => {
    await budget.noteWork(['org-a', 'org-b'], NOW);
    const { hasShare } = await budget.room(NOW);
    expect([hasShare('org-a'), hasShare('org-b')]).toEqual([true, true]);
    const { rows } = await pool.query<{ calls: number }>('select calls from exporter.app_calls order by xero_tenant_id');
    expect(rows.map((r) => r.calls)).toEqual([0, 0]);
    expect((await pool.query('select * from exporter.app_pace')).rows).toEqual([]);
  });
});
