// Running a fuzz campaign: fast-check drives the requests from a seed (FUZZ_SEED replays one), every
// answer is counted by status, and the checks every HTTP surface shares are made on each: no 5xx and no
// cut connection, a request outside the schema refused (never a 2xx or a redirect) and, when a 400
// refuses a parameter, the answer names it.
import fc from 'fast-check';
import { type Answer, describeRequest, type FuzzRequest } from './requests';

/** FUZZ_SEED replays a run; otherwise a new seed each time, printed with any failure. */
export const fuzzSeed = (): number => (process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31));

/** Requests per campaign: the default, or FUZZ_RUNS times it (FUZZ_RUNS=0.1 for a quick look, 10 for a long one). */
export const runsOf = (fallback: number): number => Math.max(1, Math.round(fallback * Number(process.env.FUZZ_RUNS ?? 1)));

export class Tally {
  requests = 0;
  outside = 0;
  readonly byStatus = new Map<number, number>();
  private firstAt = 0;
  private lastAt = 0;

  constructor(
    readonly name: string,
    readonly seed: number,
  ) {}

  record(r: FuzzRequest, a: Answer): void {
    this.lastAt = Date.now();
    this.firstAt ||= this.lastAt;
    this.requests++;
    if (r.outside) this.outside++;
    this.byStatus.set(a.status, (this.byStatus.get(a.status) ?? 0) + 1);
  }

  count(predicate: (status: number) => boolean): number {
    return [...this.byStatus].filter(([s]) => predicate(s)).reduce((n, [, c]) => n + c, 0);
  }

  /** e.g. "monitor-api: 5,000 requests in 31 s (seed 42): 200 1,204, 202 310, 400 3,210, 404 276; 5xx 0; 3,020 outside the schema, all refused" */
  summary(): string {
    const fmt = (n: number) => n.toLocaleString('en');
    const statuses = [...this.byStatus]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s} ${fmt(n)}`)
      .join(', ');
    const seconds = Math.round((this.lastAt - this.firstAt) / 1000);
    return `${this.name}: ${fmt(this.requests)} requests in ${seconds} s (seed ${this.seed}): ${statuses}; 5xx ${fmt(this.count((s) => s >= 500 || s === 0))}; ${fmt(this.outside)} outside the schema, all refused`;
  }
}

/** What is wrong with an answer whatever the surface, or undefined. */
export function verdict(r: FuzzRequest, a: Answer): string | undefined {
  if (a.status === 0) return `the connection failed: ${a.error}`;
  if (a.status >= 500) return `answered ${a.status}: ${a.text.slice(0, 300)}`;
  if (r.outside && a.status < 400) return `accepted (${a.status}) though outside the schema`;
  if (r.names.length && a.status === 400 && !r.names.some((n) => a.text.includes(n)))
    return `refused without naming ${r.names.join(' or ')}: ${a.text.slice(0, 300)}`;
  return undefined;
}

/**
 * Runs `numRuns` requests through `check` (which sends one and throws on a finding). A failure says the
 * request, the seed and the command that replays it.
 */
export async function campaign(
  arb: fc.Arbitrary<FuzzRequest>,
  check: (r: FuzzRequest) => Promise<void>,
  o: { numRuns: number; seed: number; replay: string },
): Promise<void> {
  let last: FuzzRequest | undefined;
  try {
    await fc.assert(
      fc.asyncProperty(arb, async (r) => {
        last = r;
        await check(r);
      }),
      { numRuns: o.numRuns, seed: o.seed, endOnFailure: process.env.FUZZ_SHRINK !== '1' },
    );
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    const request = last ? `\nlast request: ${describeRequest(last)}` : '';
    throw new Error(
      `${(err as Error).message}${cause instanceof Error ? `\n${cause.message}` : ''}${request}\nreplay: FUZZ_SEED=${o.seed} ${o.replay} (FUZZ_SHRINK=1 to shrink it)`,
    );
  }
}

/** Sends, records and checks one request; `more` adds the surface's own checks (its database, its events). */
export async function checked(tally: Tally, r: FuzzRequest, answer: Answer, more?: () => Promise<string | undefined>): Promise<void> {
  tally.record(r, answer);
  const why = verdict(r, answer) ?? (await more?.());
  if (why) throw new Error(`${describeRequest(r)}: ${why}`);
}
