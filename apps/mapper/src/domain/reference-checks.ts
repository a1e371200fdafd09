// Pre-flight checks against the Xero organisation's reference data (as the exporter published it):
// what Xero would refuse is reported before anything is sent, in plain words.
import type { OrgReferenceDataPublished, Problem } from '@lnbx/contracts';
import { formatRate, toScaled } from './money';
import { CODES, error } from './problems';

export type OrgReferenceData = OrgReferenceDataPublished.Value;

interface ReferenceIndex {
  org: string;
  currencies: Set<string>;
  taxRates: Map<string, { rate4: number; usable: boolean }>;
  accounts: Map<string, { active: boolean; name: string }>;
  tracking: Map<string, { name: string; options: Set<string> }>;
}

// Reference data changes rarely and is shared by every document: index each published value once.
const indexes = new WeakMap<OrgReferenceData, ReferenceIndex>();

function indexOf(ref: OrgReferenceData): ReferenceIndex {
  let idx = indexes.get(ref);
  if (!idx) {
    idx = {
      org: ref.organisationName,
      currencies: new Set([ref.baseCurrency, ...ref.currencies].map((c) => c.toUpperCase())),
      taxRates: new Map(
        ref.taxRates.map((t) => [
          t.taxType,
          {
            rate4: toScaled(t.rate, 4),
            usable: t.status === 'ACTIVE' && t.canApplyToRevenue,
          },
        ]),
      ),
      accounts: new Map(ref.accounts.map((a) => [a.code, { active: a.status === 'ACTIVE', name: a.name }])),
      // Xero matches tracking names and options without regard to case.
      tracking: new Map(
        ref.trackingCategories
          .filter((c) => c.status === 'ACTIVE')
          .map((c) => [
            c.name.toLowerCase(),
            {
              name: c.name,
              options: new Set(c.options.map((o) => o.toLowerCase())),
            },
          ]),
      ),
    };
    indexes.set(ref, idx);
  }
  return idx;
}

/** What the mapped document uses, with where each use comes from (for the messages). */
export interface Usage {
  currency: string | undefined;
  /** `taxType@rate4` -> the tax type, the rate it must carry, and what uses it. */
  taxTypes: Map<string, { taxType: string; rate4: number; usedFor: string }>;
  /** account code -> what uses it ("goods lines", "the shipping line"). */
  accounts: Map<string, string[]>;
  /** category -> option -> the first place it is used (in words, and as an LNB field). */
  tracking: Map<string, Map<string, { where: string; field: string }>>;
}

export function checkAgainstOrganisation(ref: OrgReferenceData, use: Usage, problems: Problem[]): void {
  const idx = indexOf(ref);
  const inOrg = `in the Xero organisation "${idx.org}"`;

  if (use.currency !== undefined && !idx.currencies.has(use.currency)) {
    problems.push(
      error(CODES.CURRENCY_NOT_ENABLED, `The currency ${use.currency} is not enabled ${inOrg}; add it under Settings > Currencies.`, 'currency_code'),
    );
  }
  for (const { taxType, rate4, usedFor } of use.taxTypes.values()) {
    const t = idx.taxRates.get(taxType);
    if (!t) {
      problems.push(error(CODES.UNKNOWN_TAX_TYPE, `The tax type ${taxType} (for ${usedFor}) does not exist ${inOrg}.`, 'tax_rate'));
    } else if (!t.usable) {
      problems.push(
        error(
          CODES.TAX_TYPE_NOT_FOR_SALES,
          `The tax type ${taxType} (for ${usedFor}) cannot be used on sales ${inOrg} (archived, or for purchases only).`,
          'tax_rate',
        ),
      );
    } else if (t.rate4 !== rate4) {
      problems.push(
        error(
          CODES.TAX_RATE_MISMATCH,
          `The tax type ${taxType} is ${formatRate(t.rate4)}% ${inOrg}, but ${usedFor} needs ${formatRate(rate4)}%: Xero would compute different tax.`,
          'tax_rate',
        ),
      );
    }
  }
  for (const [code, usedFor] of use.accounts) {
    const a = idx.accounts.get(code);
    const what = usedFor.join(' and ');
    if (!a) {
      problems.push(error(CODES.UNKNOWN_ACCOUNT, `The account ${code} (for ${what}) does not exist ${inOrg}.`));
    } else if (!a.active) {
      problems.push(error(CODES.ARCHIVED_ACCOUNT, `The account ${code} "${a.name}" (for ${what}) is archived ${inOrg}.`));
    }
  }
  for (const [category, options] of use.tracking) {
    const c = idx.tracking.get(category.toLowerCase());
    if (!c) {
      problems.push(error(CODES.UNKNOWN_TRACKING_CATEGORY, `The tracking category "${category}" does not exist (or is archived) ${inOrg}.`));
      continue;
    }
    for (const [option, { where, field }] of options) {
      if (!c.options.has(option.toLowerCase())) {
        problems.push(
          error(CODES.UNKNOWN_TRACKING_OPTION, `The option "${option}" (${where}) does not exist in the tracking category "${c.name}" ${inOrg}.`, field),
        );
      }
    }
  }
}
