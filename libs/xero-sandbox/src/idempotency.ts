// Idempotency-Key answers, scoped to tenant and client: replayed within the retention window, and a
// repeat that arrives while the first is still running is refused rather than run twice.
import type { IdempotencyEntry } from './persistence';

export class IdempotencyBook {
  private readonly answers = new Map<string, IdempotencyEntry>();
  private readonly running = new Set<string>();

  constructor(private readonly retentionMs: number) {}

  static key(tenantId: string, clientId: string, idempotencyKey: string): string {
    return `${tenantId}\u0000${clientId}\u0000${idempotencyKey}`;
  }

  /** The remembered answer, while it is still within the retention window. */
  replay(key: string, now: number): IdempotencyEntry | undefined {
    const hit = this.answers.get(key);
    return hit && hit.at + this.retentionMs > now ? hit : undefined;
  }

  /** False when a request with this key is already running. */
  claim(key: string): boolean {
    if (this.running.has(key)) return false;
    this.running.add(key);
    return true;
  }

  release(key: string): void {
    this.running.delete(key);
  }

  remember(key: string, entry: IdempotencyEntry): void {
    this.answers.set(key, entry);
  }

  entries(): [string, IdempotencyEntry][] {
    return [...this.answers.entries()];
  }

  restore(entries: [string, IdempotencyEntry][]): void {
    for (const [k, v] of entries) this.answers.set(k, v);
  }

  /** Forgets the answers; a request still running keeps its claim. */
  clear(): void {
    this.answers.clear();
  }
}
