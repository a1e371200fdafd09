// The exporter's HTTP port faces other services, never people: the shared ServiceTokenGuard (@lnbx/platform)
// serves /health and /metrics to anyone and everything else to the holder of EXPORTER_SERVICE_TOKEN.
import { secretFromValueOrFile } from '@lnbx/platform';
import { type ExporterConfig, MIN_SERVICE_TOKEN_LENGTH } from '../config';

export { SERVICE_TOKEN, ServiceTokenGuard } from '@lnbx/platform';

/** The token from EXPORTER_SERVICE_TOKEN or the file EXPORTER_SERVICE_TOKEN_FILE names; undefined when neither is set. */
export const serviceTokenOf = (config: Pick<ExporterConfig, 'serviceToken' | 'serviceTokenFile'>): string | undefined =>
  secretFromValueOrFile({
    value: config.serviceToken,
    file: config.serviceTokenFile,
    fileVariable: 'EXPORTER_SERVICE_TOKEN_FILE',
    what: 'service token',
    minLength: MIN_SERVICE_TOKEN_LENGTH,
  });
