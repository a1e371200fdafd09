// Which Xero organisation a consent gives a connection: one at once, or a choice an operator makes when the
// consent covers several; and, once picked, which of the others this app lets go of at Xero.

/** An entry of Xero's /connections: one organisation a user gave the app, in one consent. */
export interface OrganisationEntry {
  /** The entry's own id, what DELETE /connections/{id} takes. */
  id: string;
  tenantId: string;
  tenantName: string;
  /** The consent that gave it (the access token's `authentication_event_id`). */
  authEventId?: string;
}

/** An organisation offered to pick, as stored with the connection while it waits. */
export interface Candidate {
  id: string;
  tenantId: string;
  tenantName: string;
}

/**
 * A choice lasts as long as the consent's refresh token would unused: Xero ends it after 60 days, and then there
 * is nothing left to connect with.
 */
export const CHOICE_LIFETIME_MS = 60 * 24 * 60 * 60 * 1000;

export const choiceExpiresAt = (from: Date): Date => new Date(from.getTime() + CHOICE_LIFETIME_MS);

export const choiceExpired = (expiresAt: Date | null, now: Date): boolean => expiresAt !== null && expiresAt.getTime() <= now.getTime();

const sameTenant = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * What a new consent does: connect XERO_TENANT_ID's organisation when set (undefined when the consent does not
 * reach it), else the organisations this consent gave (its authEventId): one is connected at once; several wait for
 * an operator to pick one. /connections lists every organisation the user ever connected to this app, in any
 * consent (several brands connected by one person all appear), so a consent that cannot be told apart (a token
 * without the claim, an id no entry carries) offers every organisation listed when there are several: never the
 * first by chance, as exporting a brand's invoices into another brand's books is what must not happen.
 * Undefined: it reaches no organisation.
 */
export function consentOutcome<T extends OrganisationEntry>(
  list: T[],
  wanted?: string,
  authEventId?: string,
): { connect: T } | { choose: Candidate[] } | undefined {
  if (wanted) {
    const named = list.find((c) => sameTenant(c.tenantId, wanted));
    return named && { connect: named };
  }
  const ofConsent = authEventId ? list.filter((e) => e.authEventId === authEventId) : [];
  const offered = new Map<string, T>();
  for (const e of ofConsent.length ? ofConsent : list) if (!offered.has(e.tenantId)) offered.set(e.tenantId, e);
  if (offered.size === 0) return undefined;
  if (offered.size === 1) return { connect: [...offered.values()][0] };
  return { choose: [...offered.values()].map((e) => ({ id: e.id, tenantId: e.tenantId, tenantName: e.tenantName ?? '' })) };
}

/** The candidate with this tenant id (Xero's ids are GUIDs: their case does not matter), or undefined. */
export const candidateOf = (candidates: Candidate[], tenantId: string): Candidate | undefined => candidates.find((c) => sameTenant(c.tenantId, tenantId));

/**
 * The entries this app lets go of at Xero once `picked` is chosen: the others of the consent, except those of an
 * organisation another connection here is connected to or may still pick (Xero keeps one entry per user and
 * organisation, so removing it would cut that connection off too). Certification asks an app to keep no access it
 * does not use.
 */
export function notPicked(candidates: Candidate[], picked: string | null, inUseElsewhere: ReadonlySet<string>): { remove: Candidate[]; keep: Candidate[] } {
  const others = candidates.filter((c) => picked === null || !sameTenant(c.tenantId, picked));
  return {
    remove: others.filter((c) => !inUseElsewhere.has(c.tenantId)),
    keep: others.filter((c) => inUseElsewhere.has(c.tenantId)),
  };
}
