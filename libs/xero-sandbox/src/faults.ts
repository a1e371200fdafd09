// Faults injected through the admin API: which rule, if any, applies to a call.
export type FaultKind =
  /** Answer with an HTTP error before anything is stored. */
  | 'error'
  /** Delay the answer. */
  | 'latency'
  /** Close the socket before anything is stored. */
  | 'drop'
  /** Store the documents, then never answer: hang for hangMs and close the socket (the outcome-unknown case). */
  | 'outcomeUnknown';

export interface FaultRule {
  id: string;
  kind: FaultKind;
  /** Only calls for this tenant. */
  tenantId?: string;
  /** Only this HTTP method (GET, PUT, POST...). */
  method?: string;
  /** Only calls whose accounting path (after /api.xro/2.0) starts with this, e.g. "/Invoices". */
  pathPrefix?: string;
  /** Probability 0..1 that a matching call is hit; 1 when absent. */
  rate?: number;
  /** How many more calls it may hit; unlimited when absent. */
  times?: number;
  status?: number;
  latencyMs?: number;
  hangMs?: number;
}

export type FaultRuleInput = Omit<FaultRule, 'id'> & { id?: string };

export interface CallDescriptor {
  tenantId: string;
  method: string;
  path: string;
}

const KINDS: FaultKind[] = ['error', 'latency', 'drop', 'outcomeUnknown'];

export function validateFaultRule(input: unknown): string[] {
  if (!input || typeof input !== 'object') return ['a fault rule is a JSON object'];
  const r = input as Record<string, unknown>;
  const errors: string[] = [];
  if (!KINDS.includes(r.kind as FaultKind)) errors.push(`kind must be one of ${KINDS.join(', ')}`);
  if (r.rate !== undefined && (typeof r.rate !== 'number' || r.rate < 0 || r.rate > 1)) errors.push('rate must be a number from 0 to 1');
  if (r.times !== undefined && (!Number.isInteger(r.times) || (r.times as number) < 1)) errors.push('times must be a positive integer');
  if (r.status !== undefined && (!Number.isInteger(r.status) || (r.status as number) < 400 || (r.status as number) > 599))
    errors.push('status must be 400..599');
  for (const k of ['latencyMs', 'hangMs']) {
    if (r[k] !== undefined && (typeof r[k] !== 'number' || (r[k] as number) < 0)) errors.push(`${k} must be a non-negative number`);
  }
  return errors;
}

/** Mulberry32: a seeded generator so a fault rate of 0.1 hits the same calls on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultBook {
  private rules: FaultRule[] = [];
  private nextId = 1;

  constructor(private readonly random: () => number) {}

  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...input, id: input.id ?? `fault-${this.nextId++}` };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  /** The rules that fire for this call, consuming their `times`; latency rules add up, the first other rule wins. */
  pick(call: CallDescriptor): { latencyMs: number; fault?: FaultRule } {
    let latencyMs = 0;
    let fault: FaultRule | undefined;
    for (const r of this.rules) {
      if (r.tenantId && r.tenantId !== call.tenantId) continue;
      if (r.method && r.method.toUpperCase() !== call.method) continue;
      if (r.pathPrefix && !call.path.toLowerCase().startsWith(r.pathPrefix.toLowerCase())) continue;
      if (r.kind !== 'latency' && fault) continue;
      if (r.rate !== undefined && this.random() >= r.rate) continue;
      if (r.times !== undefined) r.times--;
      if (r.kind === 'latency') latencyMs += r.latencyMs ?? 0;
      else fault = { ...r };
    }
    this.rules = this.rules.filter((r) => r.times === undefined || r.times > 0);
    return { latencyMs, fault };
  }
}
