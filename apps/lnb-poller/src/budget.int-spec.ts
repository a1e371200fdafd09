// The connection's LNB budget, as two poller processes of one connection spend it against the LNB
// sandbox enforcing a request rate: one budget for both (they stay under a limit each alone could
// reach), and a 429 holds every request until its Retry-After, so a run still completes.
import { EventEnvelope, Flow, RunCompleted, RunRequested } from '@lnbx/contracts';
import { PollerHarness } from './testing/harness';

const CONNECTION = 'budget';
const PER_MINUTE = 1_200;
const BURST = 20;

describe('the LNB budget, shared by two pollers of one connection', () => {
  const h = new PollerHarness({ name: 'budget', connectionId: CONNECTION });
  let lnb: PollerHarness['lnb'];

  beforeAll(async () => {
    await h.start({ seed: 31, invoices: 120, creditNotes: 40, defectRate: 0.1 });
    lnb = h.lnb;
    const env = {
      LNB_REQUESTS_PER_MINUTE: String(PER_MINUTE),
      LNB_REQUEST_BURST: String(BURST),
      LNB_RETRY_BASE_MS: '10',
      // One run each, so the two flows' runs go to the two pollers.
      POLLER_CONCURRENT_RUNS: '1',
      POLLER_TICK_MS: '100',
    };
    // Sequentially: the second creates no table the first is creating.
    await h.startPoller(env);
    await h.startPoller(env);
  });

  afterAll(() => h.stop());

  const request = (flow: Flow, extra: Partial<RunRequested.Value> = {}): Promise<string> => h.request({ flow, ...extra });
  const ended = (runId: string) => h.outcome(runId, { timeoutMs: 120_000 });
  // RunStarted and RunCompleted travel on two topics: either may be read first.
  const startedOf = (runId: string) => h.started(runId);

  it('two runs on two pollers at once stay within one budget: the limit each could pass alone is never reached', async () => {
    // Any second holds at most the burst and a second of budget: 40 requests. Two budgets of their own would allow 80.
    lnb.admin.setRateLimit(45, 1_000);
    lnb.admin.resetCalls();
    const [invoices, creditNotes] = [await request('invoices'), await request('credit_notes')];
    const [a, b] = await Promise.all([ended(invoices), ended(creditNotes)]);
    expect([a.type, b.type]).toEqual(['RunCompleted', 'RunCompleted']);
    const [startedA, startedB] = [await startedOf(invoices), await startedOf(creditNotes)];
    expect(startedA.payload.worker).not.toBe(startedB.payload.worker);
    // They overlapped: each started before the other ended.
    const at = (e: EventEnvelope) => Date.parse(e.occurredAt);
    expect(at(startedA)).toBeLessThan(at(b));
    expect(at(startedB)).toBeLessThan(at(a));
    const requests = (a.payload as RunCompleted.Value).lnbRequests! + (b.payload as RunCompleted.Value).lnbRequests!;
    expect(requests).toBeGreaterThan(150);
    expect(lnb.admin.calls().total).toBe(requests);
    const rate = lnb.admin.rateLimit();
    expect(rate.limited).toBe(0);
    expect(rate.peakInWindow).toBeLessThanOrEqual(45);
  });

  it('never runs two runs of one flow at once, though a poller is free: the second waits for the first', async () => {
    const [first, second] = [await request('credit_notes', { fullRecheck: true }), await request('credit_notes')];
    const [a, b] = await Promise.all([ended(first), ended(second)]);
    expect([a.type, b.type]).toEqual(['RunCompleted', 'RunCompleted']);
    const at = (e: EventEnvelope) => Date.parse(e.occurredAt);
    expect(at(await startedOf(second))).toBeGreaterThanOrEqual(at(a));
  });

  it('a 429 holds every request for its Retry-After: a run over a limit lower than the budget still completes, without hammering', async () => {
    lnb.admin.setRateLimit(10, 1_000);
    lnb.admin.resetCalls();
    const runId = await request('credit_notes', { fullRecheck: true });
    const outcome = await ended(runId);
    expect(outcome.type).toBe('RunCompleted');
    const requests = (outcome.payload as RunCompleted.Value).lnbRequests!;
    const { limited } = lnb.admin.rateLimit();
    expect(limited).toBeGreaterThan(0);
    // Sent on at the budget's pace regardless, half of them would be refused (20 a second into 10); paused, one in six or fewer.
    expect(limited).toBeLessThan(requests / 3);
    lnb.admin.setRateLimit(0);
  });
});
