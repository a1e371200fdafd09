// Faults an integrator injects to rehearse a bad day: each hits the next N matching API requests.
import { Rng } from './prng';
import { SandboxRequestError } from './store';

export const FAULT_KINDS = ['latency', 'rate-limit', 'server-error', 'malformed-json', 'drop-connection', 'validation', 'unauthorized'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  kind: FaultKind;
  /** Only API paths starting with this (relative to the API base), e.g. "/invoices", "/auth/token". Default: all. */
  path?: string;
  /** Only this HTTP method. Default: any. */
  method?: string;
  /**
   * Only requests of this account (its id): those with one of its tokens, and token requests with its
   * client_id. Default: every account.
   */
  account?: string;
  /** How many matching requests it hits before it is spent; 'always' never runs out. Default 1. */
  times?: number | 'always';
  /** Chance (0..1) that a matching request is hit, drawn from the sandbox's seed. Default 1. */
  probability?: number;
  /** Matching requests let through untouched before the fault starts, e.g. 1 to fail a listing from its second page. Default 0. */
  skip?: number;
  /** latency: the delay before the request is served. Default 200. */
  latencyMs?: number;
  /** rate-limit: the Retry-After header in seconds; null sends none. Default 1. */
  retryAfterSeconds?: number | null;
  /** server-error: 500, 502, 503 or 504. Default 503. */
  status?: number;
  /** validation: the 422 body's field errors. */
  fieldErrors?: Record<string, string[]>;
}

export interface ActiveFault extends FaultSpec {
  id: number;
  /** How many requests it has hit so far. */
  fired: number;
  /** How many matching requests it has let through so far (see `skip`). */
  skipped: number;
}

const FAULT_STREAM = 99;

export class Faults {
  private readonly active: ActiveFault[] = [];
  private nextId = 1;
  private readonly rng: Rng;

  constructor(
    seed: number,
    private readonly accountIds: readonly string[],
  ) {
    this.rng = Rng.for(seed, FAULT_STREAM, 0);
  }

  add(spec: FaultSpec): ActiveFault {
    if (!FAULT_KINDS.includes(spec.kind)) throw new SandboxRequestError(422, `kind must be one of ${FAULT_KINDS.join(', ')}`);
    const times = spec.times ?? 1;
    if (times !== 'always' && !(Number.isInteger(times) && times > 0)) throw new SandboxRequestError(422, 'times must be a positive integer or "always"');
    const probability = spec.probability ?? 1;
    if (!(probability > 0 && probability <= 1)) throw new SandboxRequestError(422, 'probability must be in (0, 1]');
    if (spec.account !== undefined && !this.accountIds.includes(spec.account))
      throw new SandboxRequestError(422, `account must be one of ${this.accountIds.join(', ')} (or left out: every account)`);
    if (spec.skip !== undefined && !(Number.isInteger(spec.skip) && spec.skip >= 0))
      throw new SandboxRequestError(422, 'skip must be an integer of at least 0');
    if (spec.kind === 'server-error' && spec.status !== undefined && ![500, 502, 503, 504].includes(spec.status)) {
      throw new SandboxRequestError(422, 'status must be 500, 502, 503 or 504');
    }
    const fault: ActiveFault = { ...spec, times, probability, id: this.nextId++, fired: 0, skipped: 0 };
    this.active.push(fault);
    return fault;
  }

  list(): ActiveFault[] {
    return this.active.map((f) => ({ ...f }));
  }

  remove(id: number): boolean {
    const at = this.active.findIndex((f) => f.id === id);
    if (at >= 0) this.active.splice(at, 1);
    return at >= 0;
  }

  clear(): void {
    this.active.length = 0;
  }

  /** The faults that hit this request of `account`: at most one latency, then at most one that replaces the answer. */
  hits(method: string, path: string, account: string): { latencyMs: number; fault?: ActiveFault } {
    let latencyMs = 0;
    let latencyTaken = false;
    let fault: ActiveFault | undefined;
    for (const f of [...this.active]) {
      const isLatency = f.kind === 'latency';
      if ((isLatency && latencyTaken) || (!isLatency && fault)) continue;
      if (f.account !== undefined && f.account !== account) continue;
      if (f.path !== undefined && !path.startsWith(f.path)) continue;
      if (f.method !== undefined && f.method.toUpperCase() !== method) continue;
      if (f.probability !== 1 && !this.rng.chance(f.probability ?? 1)) continue;
      if (f.skipped < (f.skip ?? 0)) {
        f.skipped++;
        continue;
      }
      f.fired++;
      if (f.times !== 'always' && f.fired >= (f.times ?? 1)) this.remove(f.id);
      if (isLatency) {
        latencyTaken = true;
        latencyMs = f.latencyMs ?? 200;
      } else {
        fault = f;
      }
    }
    return { latencyMs, fault };
  }
}
