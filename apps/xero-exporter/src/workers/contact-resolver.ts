// Xero contact ids for the retailers of a batch: from the cache, else found (by ContactNumber, then
// by name) or created in Xero with as few calls as the batch allows (one lookup for all numbers, one
// for all names, one create for all new contacts).
import type { Problem, XeroContact } from '@lnbx/contracts';
import { JsonLogger, PG_POOL } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { Address, Contact, type Contacts } from 'xero-node';
import { type ContactDecision, decideContact, type KnownContact, whereAnyOf } from '../domain/contacts';
import { batchIdempotencyKey, idempotencyKey } from '../domain/idempotency';
import { CODES, validationProblems } from '../domain/xero-errors';
import { ExporterStore } from '../store/exporter-store';
import { type Tenant, XeroApi } from '../xero/xero-api';

/** XERO_CONTACT_NAME_SUFFIX: appended to a retailer's name when another active contact already has it. */
export const CONTACT_NAME_SUFFIX = Symbol('CONTACT_NAME_SUFFIX');

export type ContactResult = { contactId: string } | { problems: Problem[] };

/** Xero's where filter is in the query string: keep each lookup well within a URL's length. */
const LOOKUP_CHUNK = 25;

const known = (c: Contact): KnownContact => ({
  contactId: c.contactID ?? '',
  name: c.name ?? '',
  contactNumber: c.contactNumber,
  status: String(c.contactStatus ?? 'ACTIVE'),
});

function newContact(wanted: XeroContact, name: string): Contact {
  const c: Contact = { name, contactNumber: wanted.contactNumber, isCustomer: true };
  if (wanted.emailAddress) c.emailAddress = wanted.emailAddress;
  if (wanted.taxNumber) c.taxNumber = wanted.taxNumber;
  if (wanted.firstName) c.firstName = wanted.firstName;
  if (wanted.addresses?.length) {
    c.addresses = wanted.addresses.map((a) => ({
      addressType: Address.AddressTypeEnum[a.addressType],
      addressLine1: a.addressLine1,
      addressLine2: a.addressLine2,
      city: a.city,
      postalCode: a.postalCode,
      country: a.country,
      attentionTo: a.attentionTo,
    }));
  }
  return c;
}

@Injectable()
export class ContactResolver {
  private readonly logger: JsonLogger;

  constructor(
    private readonly store: ExporterStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly xero: XeroApi,
    @Inject(CONTACT_NAME_SUFFIX) private readonly suffixTemplate: string,
    logger: JsonLogger,
  ) {
    this.logger = logger.child({ component: 'exporter' });
  }

  /** One result per ContactNumber of `wanted`. Xero's refusals come back as problems; anything else throws. */
  async resolve(tenant: Tenant, wanted: XeroContact[]): Promise<Map<string, ContactResult>> {
    const unique = new Map<string, XeroContact>();
    for (const c of wanted) if (!unique.has(c.contactNumber)) unique.set(c.contactNumber, c);
    const results = new Map<string, ContactResult>();
    const cached = await this.store.cachedContacts(this.pool, tenant.xeroTenantId, [...unique.keys()]);
    for (const [n, id] of cached) results.set(n, { contactId: id });
    const misses = [...unique.values()].filter((c) => !results.has(c.contactNumber));
    if (!misses.length) return results;

    // One look per handful of retailers, by number and by name at once (archived included: a retailer's
    // archived contact is restored, not duplicated; names count only among active contacts).
    const found = await this.lookup(tenant, misses);
    const byNumber = found;
    const byName = found.filter((k) => k.status === 'ACTIVE');

    const toCreate: { wanted: XeroContact; name: string }[] = [];
    for (const c of misses) {
      const decision = decideContact(c, byNumber, byName, this.suffixTemplate);
      if (decision.action === 'create') {
        if (decision.clashWith) {
          this.logger.warn('contact name taken by another retailer: creating it with a suffix', {
            contactNumber: c.contactNumber,
            name: c.name,
            newName: decision.name,
            takenBy: decision.clashWith.contactNumber,
          });
        }
        toCreate.push({ wanted: c, name: decision.name });
      } else {
        results.set(c.contactNumber, await this.apply(tenant, c, decision));
      }
    }
    if (toCreate.length) await this.create(tenant, toCreate, results);
    return results;
  }

  private async lookup(tenant: Tenant, wanted: XeroContact[], byNameToo = true): Promise<KnownContact[]> {
    const out = new Map<string, KnownContact>();
    for (let i = 0; i < wanted.length; i += LOOKUP_CHUNK) {
      const part = wanted.slice(i, i + LOOKUP_CHUNK);
      const numbers = whereAnyOf(
        'ContactNumber',
        part.map((c) => c.contactNumber),
      );
      const where = byNameToo ? `${numbers} OR ${whereAnyOf('Name', [...new Set(part.map((c) => c.name))])}` : numbers;
      const body = await this.xero.call(tenant, 'GET /Contacts', (api, t) => api.getContacts(t, undefined, where, undefined, undefined, undefined, true));
      for (const c of body.contacts ?? []) if (c.contactID) out.set(c.contactID, known(c));
    }
    return [...out.values()];
  }

  private async apply(tenant: Tenant, wanted: XeroContact, d: Exclude<ContactDecision, { action: 'create' }>): Promise<ContactResult> {
    if (d.action === 'use') {
      await this.store.saveContact(this.pool, tenant.xeroTenantId, wanted.contactNumber, d.contactId, wanted.name);
      return { contactId: d.contactId };
    }
    const patch: Contact =
      d.action === 'unarchive'
        ? { contactID: d.contactId, contactStatus: Contact.ContactStatusEnum.ACTIVE, name: d.name }
        : { contactID: d.contactId, contactNumber: wanted.contactNumber };
    const body = await this.xero.call(tenant, 'POST /Contacts/{id}', (api, t) => api.updateContact(t, d.contactId, { contacts: [patch] }));
    const item = body.contacts?.[0];
    const errors = (item?.validationErrors ?? []).map((v) => v.message ?? '').filter(Boolean);
    if (!item || item.hasValidationErrors || errors.length) {
      return { problems: validationProblems(errors).map((p) => ({ ...p, code: CODES.contact, field: 'contact' })) };
    }
    this.logger.info(d.action === 'unarchive' ? 'archived Xero contact restored for a retailer' : 'existing Xero contact adopted for a retailer', {
      contactNumber: wanted.contactNumber,
      contactId: d.contactId,
      name: item.name,
    });
    await this.store.saveContact(this.pool, tenant.xeroTenantId, wanted.contactNumber, d.contactId, item.name ?? wanted.name);
    return { contactId: d.contactId };
  }

  /**
   * Creates the contacts in one call. One that Xero refuses because its number or its name was taken a moment
   * ago (another batch, another instance created that retailer, or a namesake of it, since our look) is decided
   * again on a fresh look by number and by name: its own contact is used, a namesake's clash gets the suffix and
   * is created again, once.
   */
  private async create(tenant: Tenant, list: { wanted: XeroContact; name: string }[], results: Map<string, ContactResult>, again = true): Promise<void> {
    const payload: Contacts = { contacts: list.map((c) => newContact(c.wanted, c.name)) };
    const key = batchIdempotencyKey(list.map((c) => idempotencyKey(`contact:${tenant.xeroTenantId}:${c.wanted.contactNumber}`, c.name)));
    const body = await this.xero.call(tenant, 'PUT /Contacts', (api, t) => api.createContacts(t, payload, false, key));
    const raced: { wanted: XeroContact; name: string }[] = [];
    list.forEach((c, i) => {
      const item = body.contacts?.[i];
      const errors = (item?.validationErrors ?? []).map((v) => v.message ?? '').filter(Boolean);
      if (item?.contactID && !item.hasValidationErrors && !errors.length && !/^0{8}-/.test(item.contactID)) {
        results.set(c.wanted.contactNumber, { contactId: item.contactID });
        this.logger.info('xero contact created', { contactNumber: c.wanted.contactNumber, contactId: item.contactID, name: c.name });
      } else if (errors.some((m) => /already assigned to another contact/i.test(m))) {
        raced.push(c);
      } else {
        results.set(c.wanted.contactNumber, { problems: validationProblems(errors).map((p) => ({ ...p, code: CODES.contact, field: 'contact' })) });
      }
    });
    for (const c of list) {
      const r = results.get(c.wanted.contactNumber);
      if (r && 'contactId' in r) await this.store.saveContact(this.pool, tenant.xeroTenantId, c.wanted.contactNumber, r.contactId, c.name);
    }
    if (!raced.length) return;
    const found = await this.lookup(
      tenant,
      raced.map((c) => c.wanted),
    );
    const toCreate: { wanted: XeroContact; name: string }[] = [];
    for (const c of raced) {
      const decision = decideContact(
        c.wanted,
        found,
        found.filter((k) => k.status === 'ACTIVE'),
        this.suffixTemplate,
      );
      if (decision.action !== 'create') results.set(c.wanted.contactNumber, await this.apply(tenant, c.wanted, decision));
      else if (again && decision.name !== c.name) {
        this.logger.warn('contact name taken by another retailer a moment ago: creating it with a suffix', {
          contactNumber: c.wanted.contactNumber,
          name: c.wanted.name,
          newName: decision.name,
          takenBy: decision.clashWith?.contactNumber,
        });
        toCreate.push({ wanted: c.wanted, name: decision.name });
      } else {
        results.set(c.wanted.contactNumber, {
          problems: [
            { code: CODES.contact, message: `The contact name ${c.name} is already used by another Xero contact.`, severity: 'error', field: 'contact' },
          ],
        });
      }
    }
    if (toCreate.length) await this.create(tenant, toCreate, results, false);
  }
}
