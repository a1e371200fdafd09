// Idempotency-Key answers, scoped to tenant and client: replayed within the retention window, and a
// repeat that arrives while the first is still running is refused rather than run twice. An answer past
// the window is forgotten (memory and state file), oldest first: answers are kept in the order remembered.
import type { IdempotencyEntry } from './persistence';

export class IdempotencyBook {
  private readonly answers = new Map<string, IdempotencyEntry>();
  private readonly running = new Set<string>();
  /** Remembered since the state file last wrote them. */
  private unsaved: [string, IdempotencyEntry][] = [];

  constructor(private readonly retentionMs: number) {}

  static key(tenantId: string, clientId: string, idempotencyKey: string): string {
    return `${tenantId}\u0000${clientId}\u0000${idempotencyKey}`;
  }

  /** The remembered answer, while it is still within the retention window. */
  replay(key: string, now: number): IdempotencyEntry | undefined {
    this.evict(now);
    const hit = this.answers.get(key);
    return hit && this.live(hit, now) ? hit : undefined;
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
    // To the end, so the oldest answer is always first.
    this.answers.delete(key);
    this.answers.set(key, entry);
    this.unsaved.push([key, entry]);
    this.evict(entry.at);
  }

  /** The answers still within the window at `now`, oldest first. */
  entries(now: number): [string, IdempotencyEntry][] {
    this.evict(now);
    return [...this.answers.entries()].filter(([, e]) => this.live(e, now));
  }

  /** What was remembered since the last call, for the state file's journal. */
  takeUnsaved(): [string, IdempotencyEntry][] {
    const out = this.unsaved;
    this.unsaved = [];
    return out;
  }

  restore(entries: [string, IdempotencyEntry][], now: number): void {
    for (const [k, v] of entries) {
      this.answers.delete(k);
      if (this.live(v, now)) this.answers.set(k, v);
    }
  }

  /** How many answers are held (expired ones included until evicted). */
  get size(): number {
    return this.answers.size;
  }

  /** Forgets the answers; a request still running keeps its claim. */
  clear(): void {
    this.answers.clear();
    this.unsaved = [];
  }

  private live(entry: IdempotencyEntry, now: number): boolean {
    return entry.at + this.retentionMs > now;
  }

  /**
   * Drops expired answers from the oldest end. A clock that went back (a test's) can leave an expired
   * answer behind a live one until the live one expires too; replay() still never serves it.
   */
  private evict(now: number): void {
    for (const [key, entry] of this.answers) {
      if (this.live(entry, now)) return;
      this.answers.delete(key);
    }
  }
}
