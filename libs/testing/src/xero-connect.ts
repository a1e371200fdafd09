// The two services of "Connect to Xero" as their own processes: the xero-exporter on the authorization-code
// grant against the Xero sandbox, and monitor-api on the port its callback (XERO_REDIRECT_URI) names, the
// exporter's internal routes behind a service token. For the tests of the connect flow and the Xero panel.
import { randomBytes } from 'node:crypto';
import { freePort } from './net';
import { type SpawnedService, spawnService } from './spawn-service';

/** What the rig reads of a started Xero sandbox (@lnbx/xero-sandbox's XeroSandbox fits). */
export interface XeroSandboxAddress {
  url: string;
  accountingBasePath: string;
  tenantIds: string[];
  clients: { authorizationCode: { clientId: string; clientSecret: string } };
}

export interface XeroConnectServices {
  exporter: SpawnedService;
  monitor: SpawnedService;
  callbackUrl: string;
  /** The exporter's XERO_TOKEN_KEY (to open what it sealed) and the service token between the two. */
  tokenKey: string;
  serviceToken: string;
}

/**
 * `env`: the database and Kafka; `keys`: monitor-api's MONITOR_BOOTSTRAP_KEYS. The exporter connects the sandbox's
 * first organisation (XERO_TENANT_ID) whatever the consent gives; with `tenantId: null` it sets none, so a consent of
 * several organisations waits for an operator to pick one (the sandbox's consent gives all of them unless told).
 */
export async function spawnXeroConnectServices(
  xero: XeroSandboxAddress,
  env: Record<string, string>,
  keys: string,
  { tenantId = xero.tenantIds[0] }: { tenantId?: string | null } = {},
): Promise<XeroConnectServices> {
  const port = await freePort();
  const callbackUrl = `http://127.0.0.1:${port}/api/xero/callback`;
  const tokenKey = randomBytes(32).toString('hex');
  const serviceToken = randomBytes(32).toString('hex');
  const ac = xero.clients.authorizationCode;
  const exporter = await spawnService('xero-exporter', {
    ...env,
    XERO_API_URL: xero.accountingBasePath,
    XERO_IDENTITY_URL: xero.url,
    XERO_GRANT: 'authorization_code',
    XERO_CLIENT_ID: ac.clientId,
    XERO_CLIENT_SECRET: ac.clientSecret,
    XERO_TOKEN_KEY: tokenKey,
    XERO_REDIRECT_URI: callbackUrl,
    EXPORTER_SERVICE_TOKEN: serviceToken,
    ...(tenantId ? { XERO_TENANT_ID: tenantId } : {}),
  });
  try {
    const monitor = await spawnService('monitor-api', {
      ...env,
      HTTP_PORT: String(port),
      MONITOR_BOOTSTRAP_KEYS: keys,
      EXPORTER_INTERNAL_URL: exporter.url,
      EXPORTER_SERVICE_TOKEN: serviceToken,
    });
    return { exporter, monitor, callbackUrl, tokenKey, serviceToken };
  } catch (err) {
    await exporter.stop();
    throw err;
  }
}
