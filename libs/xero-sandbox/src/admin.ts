// The admin operations (sandbox.admin): what a test or an integrator does to the sandbox from outside
// Xero's API. The admin HTTP routes call these too.
import { approveDocument, recordPayment } from './accounting';
import type { SandboxContext } from './context';
import { validateFaultRule } from './faults';
import { renderContact, renderDocument } from './render';
import { parseXeroDate } from './rules';
import { tenantChanged } from './state';
import type { SandboxAdmin } from './types';

export function createAdmin(ctx: SandboxContext): SandboxAdmin {
  const { clock, faults, identity, limiter } = ctx;
  return {
    addFault: (rule) => {
      const errors = validateFaultRule(rule);
      if (errors.length) throw new Error(`invalid fault rule: ${errors.join('; ')}`);
      return faults.add(rule);
    },
    faults: () => faults.list(),
    removeFault: (id) => faults.remove(id),
    clearFaults: () => faults.clear(),
    forceDayLimit: (tenantId, limitSeconds = 86_400) => limiter.forceDayLimit(ctx.tenant(tenantId).tenantId, clock.now(), limitSeconds),
    clearDayLimit: (tenantId) => limiter.clearForcedDayLimit(tenantId),
    revokeConnection: (tenantId) => {
      identity.revokedTenants.add(ctx.tenant(tenantId).tenantId);
      ctx.identityChanged();
    },
    restoreConnection: (tenantId) => {
      identity.revokedTenants.delete(tenantId);
      ctx.identityChanged();
    },
    setLockDates: (tenantId, dates) => {
      const t = ctx.tenant(tenantId);
      for (const [k, v] of Object.entries(dates) as ['endOfYearLockDate' | 'periodLockDate', string | null | undefined][]) {
        if (v === undefined) continue;
        if (v !== null && !parseXeroDate(v)) throw new Error(`${k} must be YYYY-MM-DD`);
        t[k] = v === null ? undefined : parseXeroDate(v);
      }
      tenantChanged(t);
      ctx.save();
    },
    recordPayment: (tenantId, invoiceId, amount, date) => {
      const result = recordPayment(ctx.tenant(tenantId), invoiceId, amount, date ?? new Date(clock.now()).toISOString().slice(0, 10), clock.now());
      if (typeof result === 'string') throw new Error(result);
      ctx.save();
    },
    approve: (tenantId, kind, idOrNumber) => {
      const result = approveDocument(ctx.tenant(tenantId), kind, idOrNumber, clock.now());
      if (typeof result === 'string') throw new Error(result);
      ctx.save();
    },
    expireAccessTokens: () => identity.expireAccessTokens(),
    invoices: (tenantId) => {
      const t = ctx.tenant(tenantId);
      return [...t.invoices.values()].map((d) => renderDocument(d, t, 4));
    },
    creditNotes: (tenantId) => {
      const t = ctx.tenant(tenantId);
      return [...t.creditNotes.values()].map((d) => renderDocument(d, t, 4));
    },
    contacts: (tenantId) => [...ctx.tenant(tenantId).contacts.values()].map(renderContact),
    calls: (filter) => ctx.calls.query(filter),
    callTimes: (tenantId) => ctx.calls.callTimes(tenantId),
    inFlight: (tenantId) => limiter.inFlight(tenantId),
    reset: () => {
      ctx.reseed();
      faults.clear();
      limiter.reset();
      ctx.idempotency.clear();
      identity.revokedTenants.clear();
      ctx.calls.clear();
      // The journal of the old organisations no longer applies: the file is rewritten as seeded.
      ctx.compact();
    },
  };
}
