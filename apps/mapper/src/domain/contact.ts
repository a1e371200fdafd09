// The Xero contact described from the LNB retailer: ContactNumber carries the retailer reference,
// the key the exporter finds or creates the contact by.
import type { LnbAddress, LnbDocument, LnbRetailer, Problem, XeroAddress, XeroContact } from '@lnbx/contracts';
import { CODES, error } from './problems';

const CONTACT_NUMBER_MAX = 50;
const NAME_MAX = 255;

const clean = (s: string | null | undefined): string | undefined => {
  const t = s?.trim();
  return t ? t : undefined;
};

function address(type: XeroAddress['addressType'], a: LnbAddress | null | undefined): XeroAddress | undefined {
  if (!a) return undefined;
  const out: XeroAddress = { addressType: type };
  const set = (k: Exclude<keyof XeroAddress, 'addressType'>, v: string | null | undefined) => {
    const c = clean(v);
    if (c !== undefined) out[k] = c;
  };
  set('addressLine1', a.address_1);
  set('addressLine2', a.address_2);
  set('city', a.city);
  set('postalCode', a.zipcode);
  set('country', a.country);
  set('attentionTo', a.contact_name);
  return Object.keys(out).length > 1 ? out : undefined;
}

export function mapContact(doc: LnbDocument, retailer: LnbRetailer, problems: Problem[]): XeroContact | undefined {
  const billing = retailer.billing_address ?? doc.billing_address;
  const contactNumber = clean(retailer.reference) ?? clean(doc.retailer_reference);
  const name = clean(retailer.name) ?? clean(doc.retailer_name) ?? clean(billing?.company);
  const who = name ? `The retailer "${name}"` : 'The retailer';

  if (contactNumber === undefined) {
    problems.push(
      error(
        CODES.MISSING_RETAILER_REFERENCE,
        `${who} has no customer reference in Le New Black; Xero needs it to identify the customer (Contact Code).`,
        'retailer_reference',
      ),
    );
  } else if (contactNumber.length > CONTACT_NUMBER_MAX) {
    problems.push(
      error(
        CODES.RETAILER_REFERENCE_TOO_LONG,
        `${who} has a customer reference of ${contactNumber.length} characters; Xero's Contact Code holds at most ${CONTACT_NUMBER_MAX}.`,
        'retailer_reference',
      ),
    );
  }
  if (name === undefined) {
    problems.push(
      error(
        CODES.MISSING_RETAILER_NAME,
        `The retailer${contactNumber ? ` ${contactNumber}` : ''} has no name in Le New Black; Xero needs a contact name.`,
        'retailer_name',
      ),
    );
  }
  if (contactNumber === undefined || name === undefined || contactNumber.length > CONTACT_NUMBER_MAX) return undefined;

  const contact: XeroContact = { contactNumber, name: name.slice(0, NAME_MAX) };
  const email = clean(retailer.email) ?? clean(billing?.contact_email);
  if (email) contact.emailAddress = email;
  const taxNumber = clean(retailer.vat_number) ?? clean(billing?.vat_number);
  if (taxNumber) contact.taxNumber = taxNumber;
  // Xero calls the postal/billing address POBOX and the physical one STREET.
  const addresses = [address('POBOX', billing), address('STREET', doc.delivery_address)].filter((a): a is XeroAddress => a !== undefined);
  if (addresses.length > 0) contact.addresses = addresses;
  return contact;
}
