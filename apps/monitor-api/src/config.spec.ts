// The internal services monitor-api calls, each with its URL and that service's token: a URL without its token,
// a token without its URL, a short token or a token and its file stop the start, naming the variable.
import { configProblems } from '@lnbx/platform';
import { randomBytes } from 'node:crypto';
import { MonitorConfig } from './config';

const TOKEN = randomBytes(32).toString('hex');

const problems = (env: Record<string, string | undefined>): string => configProblems(MonitorConfig, env);

describe('MonitorConfig: the exporter and the poller, server to server', () => {
  it('starts with neither, or with each URL and its token', () => {
    expect(problems({})).toBe('');
    expect(problems({ POLLER_INTERNAL_URL: 'http://lnb-poller:4001', POLLER_SERVICE_TOKEN: TOKEN })).toBe('');
    expect(problems({ EXPORTER_INTERNAL_URL: 'http://xero-exporter:4003', EXPORTER_SERVICE_TOKEN: TOKEN })).toBe('');
  });

  it("refuses one without the other, a short token and a token with its file, in each service's words", () => {
    expect(problems({ POLLER_INTERNAL_URL: 'http://lnb-poller:4001' })).toMatch(
      /POLLER_INTERNAL_URL needs POLLER_SERVICE_TOKEN \(or POLLER_SERVICE_TOKEN_FILE\)/,
    );
    expect(problems({ POLLER_SERVICE_TOKEN: TOKEN })).toMatch(/POLLER_SERVICE_TOKEN \(or POLLER_SERVICE_TOKEN_FILE\) is set but POLLER_INTERNAL_URL is not/);
    expect(problems({ POLLER_INTERNAL_URL: 'http://lnb-poller:4001', POLLER_SERVICE_TOKEN: 'short' })).toMatch(
      /POLLER_SERVICE_TOKEN must be at least 32 characters/,
    );
    expect(problems({ POLLER_INTERNAL_URL: 'http://p:4001', POLLER_SERVICE_TOKEN: TOKEN, POLLER_SERVICE_TOKEN_FILE: '/run/t' })).toMatch(
      /set POLLER_SERVICE_TOKEN or POLLER_SERVICE_TOKEN_FILE, not both/,
    );
    expect(problems({ EXPORTER_INTERNAL_URL: 'http://xero-exporter:4003' })).toMatch(/EXPORTER_INTERNAL_URL needs EXPORTER_SERVICE_TOKEN/);
  });
});
