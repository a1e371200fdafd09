// What a run reads from LNB, decided from what the poller already knows: a full run reads every
// selected document and its order; an incremental one reads only the documents that are new or
// changed in the listing, or whose order or retailer LNB changed since the last run. Plain functions.
import type { RunMode, RunScope } from '@lnbx/contracts';

export interface FlowProgress {
  /** Every change LNB made before this was seen by a completed run (its start). */
  checkedUntil: Date;
  /** The start of the last completed full run. */
  lastFullAt: Date | null;
}

export interface ScopeRequest {
  mode: RunMode;
  /** The run names its documents. */
  named: boolean;
  fullRecheck: boolean;
}

export interface ScopePolicy {
  fullRecheckEveryMs: number;
  overlapMs: number;
}

export interface Scope {
  scope: RunScope;
  /** In plain words, for the task log. */
  reason: string;
  /** Incremental: orders updated at or after this are read again. */
  changedSince?: Date;
}

const hours = (ms: number): string => {
  const h = ms / 3_600_000;
  return h % 24 === 0 ? `${h / 24} day${h === 24 ? '' : 's'}` : `${h} hour${h === 1 ? '' : 's'}`;
};
const minutes = (ms: number): string => (ms % 60_000 === 0 ? `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}` : `${ms / 1000} seconds`);

/** The run's scope: a run naming documents reads them; otherwise incremental unless a full re-check is asked for or due. */
export function chooseScope(request: ScopeRequest, progress: FlowProgress | undefined, now: Date, policy: ScopePolicy): Scope {
  if (request.named) return { scope: 'named', reason: 'the run reads the documents it names' };
  if (request.mode === 'preview') return { scope: 'full', reason: 'a preview shows every selected document, so every one is read' };
  if (request.fullRecheck) return { scope: 'full', reason: 'a full re-check was requested: every document and its order are read again' };
  if (!progress) return { scope: 'full', reason: 'no run of this flow has completed yet: every document and its order are read' };
  const every = hours(policy.fullRecheckEveryMs);
  if (!progress.lastFullAt) return { scope: 'full', reason: `the full re-check (every ${every}) has not been done yet` };
  if (now.getTime() - progress.lastFullAt.getTime() >= policy.fullRecheckEveryMs) {
    return { scope: 'full', reason: `the full re-check (every ${every}) is due: the last one started ${progress.lastFullAt.toISOString()}` };
  }
  const changedSince = new Date(progress.checkedUntil.getTime() - policy.overlapMs);
  return {
    scope: 'incremental',
    reason: `only what changed in Le New Black is read: new or changed documents, and those whose order or retailer changed since ${changedSince.toISOString()} (the last run's start less ${minutes(policy.overlapMs)})`,
    changedSince,
  };
}

/** What the poller stored about a document the last time it read it. */
export interface KnownDocument {
  /** The listed document's content hash (volatile fields left out); null when not recorded. */
  fingerprint: string | null;
  updateTime: string | null;
  /** Its outcome depends on something LNB did not have (its order, the invoice it credits): read it every run. */
  recheck: boolean;
}

export interface ListedDocument {
  update_time?: string | null;
  order_reference?: string | null;
  retailer_reference?: string | null;
}

/** What changed in LNB since the last run, beyond the documents themselves. */
export interface KnownChanges {
  orders: ReadonlySet<string>;
  retailers: ReadonlySet<string>;
}

export type ReadReason = 'new' | 'recheck' | 'order-changed' | 'retailer-changed' | 'content-changed';

export type Reading =
  | { read: true; why: ReadReason }
  /** Unchanged; `updateTimeMoved`: LNB touched it without changing what matters (e.g. a payment), note the new time. */
  | { read: false; updateTimeMoved: boolean };

/**
 * Whether an incremental run must read a selected document's order (and retailer), decided from the
 * listing and what is known: a document whose update_time did not move is unchanged; one whose
 * update_time moved is compared by content (computed only then: hashing every listed document
 * would cost more than the listing itself).
 */
export function decideReading(doc: ListedDocument, known: KnownDocument | undefined, changes: KnownChanges, fingerprint: () => string): Reading {
  if (!known) return { read: true, why: 'new' };
  if (known.recheck) return { read: true, why: 'recheck' };
  if (doc.order_reference && changes.orders.has(doc.order_reference)) return { read: true, why: 'order-changed' };
  if (doc.retailer_reference && changes.retailers.has(doc.retailer_reference)) return { read: true, why: 'retailer-changed' };
  if (doc.update_time && doc.update_time === known.updateTime) return { read: false, updateTimeMoved: false };
  if (known.fingerprint !== null && known.fingerprint === fingerprint()) return { read: false, updateTimeMoved: true };
  return { read: true, why: 'content-changed' };
}
