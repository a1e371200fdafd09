// One API client of the sandbox (a brand's LNB account): its credentials, its documents, and what is
// counted and limited for it. A token is bound to one account and sees that account's store alone.
import { createHash, timingSafeEqual } from 'node:crypto';
import { RateLimiter } from './rate-limit';
import type { SandboxStore } from './store';

export interface CallCounts {
  total: number;
  /** e.g. "GET /invoices": 12, "POST /auth/token": 1. */
  byRoute: Record<string, number>;
  /** HTTP status -> count; "dropped" for connections the sandbox cut. */
  byStatus: Record<string, number>;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
/** Compared in constant time, as a real token endpoint would, so timing tells nothing of either part. */
const same = (given: unknown, expected: Buffer): boolean => typeof given === 'string' && timingSafeEqual(digest(given), expected);

export class SandboxAccount {
  /**
   * ASSUMED: LNB limits requests per API client (its credentials), so each account has a window of its
   * own and one brand's burst never throttles another. The reference documents no limit, nor its scope.
   */
  readonly rateLimiter: RateLimiter;
  tokensIssued = 0;
  private counts: CallCounts = { total: 0, byRoute: {}, byStatus: {} };
  private readonly idDigest: Buffer;
  private readonly secretDigest: Buffer;

  constructor(
    readonly id: string,
    readonly clientId: string,
    readonly clientSecret: string,
    readonly store: SandboxStore,
    rateLimit: { limit: number; windowMs: number },
  ) {
    this.rateLimiter = new RateLimiter(rateLimit.limit, rateLimit.windowMs);
    this.idDigest = digest(clientId);
    this.secretDigest = digest(clientSecret);
  }

  /** Both parts always compared: a wrong pair is refused the same way whichever part is wrong. */
  authenticates(clientId: unknown, clientSecret: unknown): boolean {
    const idMatches = same(clientId, this.idDigest);
    const secretMatches = same(clientSecret, this.secretDigest);
    return idMatches && secretMatches;
  }

  calls(): CallCounts {
    return structuredClone(this.counts);
  }

  resetCalls(): void {
    this.counts = { total: 0, byRoute: {}, byStatus: {} };
  }

  count(route: string, status: string): void {
    this.counts.total++;
    this.counts.byRoute[route] = (this.counts.byRoute[route] ?? 0) + 1;
    this.counts.byStatus[status] = (this.counts.byStatus[status] ?? 0) + 1;
  }
}
