// The organisation's reference data (tax rates, accounts, currencies, tracking categories) read from
// Xero and published for the mapper's pre-flight checks.
import { createEnvelope, OrgReferenceDataPublished } from '@lnbx/contracts';
import type { Outbox } from '@lnbx/messaging';
import type { ClientBase } from 'pg';
import type { Tenant, XeroApi } from '../xero/xero-api';

export const referenceStream = (connectionId: string): string => `org-reference-${connectionId}`;

export async function readReferenceData(
  xero: XeroApi,
  tenant: Tenant,
  now: Date = new Date(),
): Promise<{ value: OrgReferenceDataPublished.Value; shortCode?: string }> {
  const org = (await xero.call(tenant, 'GET /Organisation', (api, t) => api.getOrganisations(t))).organisations?.[0];
  const taxRates = (await xero.call(tenant, 'GET /TaxRates', (api, t) => api.getTaxRates(t))).taxRates ?? [];
  const accounts = (await xero.call(tenant, 'GET /Accounts', (api, t) => api.getAccounts(t))).accounts ?? [];
  const currencies = (await xero.call(tenant, 'GET /Currencies', (api, t) => api.getCurrencies(t))).currencies ?? [];
  const tracking = (await xero.call(tenant, 'GET /TrackingCategories', (api, t) => api.getTrackingCategories(t))).trackingCategories ?? [];
  const value: OrgReferenceDataPublished.Value = {
    xeroTenantId: tenant.xeroTenantId,
    organisationName: org?.name ?? '',
    baseCurrency: String(org?.baseCurrency ?? ''),
    currencies: currencies.map((c) => String(c.code ?? '')).filter(Boolean),
    taxRates: taxRates
      .filter((r) => r.taxType)
      .map((r) => ({
        taxType: r.taxType!,
        name: r.name ?? r.taxType!,
        rate: r.effectiveRate ?? r.displayTaxRate ?? 0,
        status: String(r.status ?? 'ACTIVE'),
        canApplyToRevenue: r.canApplyToRevenue ?? false,
      })),
    accounts: accounts
      .filter((a) => a.code)
      .map((a) => ({
        code: a.code!,
        name: a.name ?? a.code!,
        status: String(a.status ?? 'ACTIVE'),
        type: String(a.type ?? ''),
        systemAccount: a.systemAccount ? String(a.systemAccount) : null,
      })),
    trackingCategories: tracking.map((c) => ({
      name: c.name ?? '',
      status: String(c.status ?? 'ACTIVE'),
      options: (c.options ?? []).map((o) => o.name ?? '').filter(Boolean),
    })),
    fetchedAt: now.toISOString(),
  };
  return { value, shortCode: org?.shortCode };
}

export async function appendReferenceData(outbox: Outbox, tx: ClientBase, connectionId: string, value: OrgReferenceDataPublished.Value): Promise<void> {
  const env = createEnvelope(OrgReferenceDataPublished.definition, value, {
    producer: 'xero-exporter',
    connectionId,
    correlationId: `xero-reference-${value.fetchedAt}`,
    key: `${connectionId}:xero-reference`,
  });
  await outbox.append(tx, referenceStream(connectionId), [env]);
}
