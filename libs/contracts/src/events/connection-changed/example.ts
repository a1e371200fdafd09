// A ConnectionChanged as monitor-api would publish it, for the services' tests: the connection's whole state
// at `version`, active or paused, its other parts as a fresh connection has them.
import { createEnvelope } from '../../codec';
import type { EventEnvelope } from '../../envelope';
import { ConnectionChanged } from './index';

export function exampleConnectionChanged(
  connectionId: string,
  version: number,
  status: 'active' | 'paused' | 'removed',
  change: ConnectionChanged.Value['change'],
  pausedReason: string | null = status === 'paused' ? 'year-end close' : null,
): EventEnvelope<ConnectionChanged.Value> {
  const at = new Date(Date.UTC(2026, 11, 2, 9, version)).toISOString();
  return createEnvelope(
    ConnectionChanged.definition,
    {
      change,
      by: 'finance-operator',
      at,
      connection: {
        id: connectionId,
        name: connectionId,
        timeZone: 'Europe/London',
        baseCurrency: 'GBP',
        status,
        pausedReason,
        xero: { state: 'never', tenantId: null, organisationName: null, reason: null },
        lnbCredentials: null,
        mappingChanged: null,
        scheduleChanged: null,
        selectionChanged: null,
        createdAt: at,
        createdBy: 'admin',
        updatedAt: at,
        version,
      },
    },
    { producer: 'monitor-api', connectionId, correlationId: `${connectionId}-change-${version}`, key: connectionId },
  );
}
