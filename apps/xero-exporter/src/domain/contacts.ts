// Which Xero contact a retailer becomes: found by ContactNumber (the LNB retailer reference), else by
// name, else created; archived and clashing contacts resolved the way an accountant would.
import type { XeroContact } from '@lnbx/contracts';

export interface KnownContact {
  contactId: string;
  name: string;
  contactNumber?: string;
  status: string;
}

export type ContactDecision =
  | { action: 'use'; contactId: string }
  /** The retailer's contact was archived in Xero: bring it back rather than split its ledger in two. */
  | { action: 'unarchive'; contactId: string; name: string }
  /** A contact with this name and no ContactNumber (typed in by hand): take it over and give it the number. */
  | { action: 'adopt'; contactId: string; name: string }
  | { action: 'create'; name: string; clashWith?: KnownContact };

const same = (a: string | undefined, b: string | undefined): boolean => !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

/** `byNumber`: contacts (archived included) with the retailer's ContactNumber; `byName`: active ones with its name. */
export function decideContact(wanted: XeroContact, byNumber: KnownContact[], byName: KnownContact[], suffixTemplate: string): ContactDecision {
  const numbered = byNumber.filter((c) => same(c.contactNumber, wanted.contactNumber));
  const active = numbered.find((c) => c.status === 'ACTIVE');
  if (active) return { action: 'use', contactId: active.contactId };
  const archived = numbered.find((c) => c.status === 'ARCHIVED');
  if (archived) {
    const clash = byName.find((c) => c.status === 'ACTIVE' && c.contactId !== archived.contactId && same(c.name, archived.name));
    return {
      action: 'unarchive',
      contactId: archived.contactId,
      name: clash ? suffixedName(archived.name, suffixTemplate, wanted.contactNumber) : archived.name,
    };
  }
  const namesake = byName.find((c) => c.status === 'ACTIVE' && same(c.name, wanted.name));
  if (!namesake) return { action: 'create', name: wanted.name };
  // Created a moment ago by another sender (after our look by number): it is ours.
  if (same(namesake.contactNumber, wanted.contactNumber)) return { action: 'use', contactId: namesake.contactId };
  if (!namesake.contactNumber) return { action: 'adopt', contactId: namesake.contactId, name: namesake.name };
  return { action: 'create', name: suffixedName(wanted.name, suffixTemplate, wanted.contactNumber), clashWith: namesake };
}

/** The name with the configured suffix (`{contactNumber}` replaced), cut so it stays within Xero's 255 characters. */
export function suffixedName(name: string, template: string, contactNumber: string): string {
  const suffix = template.split('{contactNumber}').join(contactNumber);
  return `${name.trim().slice(0, Math.max(1, 255 - suffix.length))}${suffix}`.slice(0, 255);
}

/** A `where` clause matching any of these values of a field (Xero's string escape is a backslash). */
export function whereAnyOf(field: string, values: string[]): string {
  const quote = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return values.map((v) => `${field}==${quote(v)}`).join(' OR ');
}
