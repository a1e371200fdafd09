// What a run reads from LNB before the documents: every retailer (one listing, instead of one request
// per retailer, and how the run learns which retailers changed) and, for an incremental run, the
// orders LNB updated since the last run.
import { type LnbClient, type LnbOrder } from '@lnbx/lnb-client';
import type { RetailerLike } from '../domain/enrich';
import { fingerprintOf } from '../domain/revision';

export interface RetailerDirectory {
  /** What the documents' contacts need of each retailer LNB lists. */
  get(reference: string): RetailerLike | undefined;
  /** Retailers new or changed since the flow's last completed run. */
  changed: ReadonlySet<string>;
  /** Their fingerprints, stored when the run completes. */
  toSave: { reference: string; fingerprint: string }[];
  size: number;
}

/** Every retailer LNB lists, with what changed since `known` (reference -> fingerprint) was stored. */
export async function readRetailers(lnb: LnbClient, known: ReadonlyMap<string, string>): Promise<RetailerDirectory> {
  const byReference = new Map<string, RetailerLike>();
  const changed = new Set<string>();
  const toSave: { reference: string; fingerprint: string }[] = [];
  for await (const retailer of lnb.retailers()) {
    // Only what describeRetailer reads: a directory of 10,000 retailers stays small.
    const kept: RetailerLike = {
      reference: retailer.reference,
      name: retailer.name,
      billing_address: retailer.billing_address,
      buyers: (retailer.buyers ?? []).map((b) => ({ email: b.email })),
    };
    byReference.set(retailer.reference, kept);
    const fingerprint = fingerprintOf(kept);
    if (known.get(retailer.reference) !== fingerprint) {
      changed.add(retailer.reference);
      toSave.push({ reference: retailer.reference, fingerprint });
    }
  }
  return { get: (reference) => byReference.get(reference), changed, toSave, size: byReference.size };
}

export interface ChangedOrders {
  references: ReadonlySet<string>;
  /** The orders as listed, so their documents need no request of their own; at most `keep` of them. */
  bodies: ReadonlyMap<string, LnbOrder>;
}

/**
 * The orders LNB updated since `since`, read to the last page before any document is decided on:
 * a listing that fails part-way fails the run, and the next run asks from the same point again.
 */
export async function readChangedOrders(lnb: LnbClient, since: Date, keep: number): Promise<ChangedOrders> {
  const references = new Set<string>();
  const bodies = new Map<string, LnbOrder>();
  for await (const page of lnb.ordersUpdated({ from: since })) {
    for (const order of page.items) {
      references.add(order.reference);
      if (bodies.size < keep || bodies.has(order.reference)) bodies.set(order.reference, order);
    }
  }
  return { references, bodies };
}
