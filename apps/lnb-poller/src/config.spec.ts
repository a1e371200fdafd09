// What the poller refuses to start with for its internal endpoint (a connection's LNB credentials): a service
// token without POLLER_CREDENTIALS_KEY, a key that is not 32 bytes, a short token, a token and its file. The
// message names the variable, never the value.
import { configProblems } from '@lnbx/platform';
import { randomBytes } from 'node:crypto';
import { PollerConfig } from './config';

const TOKEN = randomBytes(32).toString('hex');
const KEY = randomBytes(32).toString('hex');

const problems = (env: Record<string, string | undefined>): string => configProblems(PollerConfig, env);

describe('PollerConfig: the internal endpoint', () => {
  it('starts without a token (the endpoint then answers 401) and with a token and a key', () => {
    expect(problems({})).toBe('');
    expect(problems({ POLLER_SERVICE_TOKEN: TOKEN, POLLER_CREDENTIALS_KEY: KEY })).toBe('');
    expect(problems({ POLLER_SERVICE_TOKEN: TOKEN, POLLER_CREDENTIALS_KEY: Buffer.from(KEY, 'hex').toString('base64') })).toBe('');
  });

  it('refuses a token without the key, a bad key, a short token and a token with its file, naming the variable', () => {
    expect(problems({ POLLER_SERVICE_TOKEN: TOKEN })).toMatch(/POLLER_CREDENTIALS_KEY is required with POLLER_SERVICE_TOKEN/);
    expect(problems({ POLLER_SERVICE_TOKEN: TOKEN, POLLER_CREDENTIALS_KEY: 'short' })).toMatch(/POLLER_CREDENTIALS_KEY must be 32 bytes/);
    expect(problems({ POLLER_SERVICE_TOKEN: 'short-token', POLLER_CREDENTIALS_KEY: KEY })).toMatch(/POLLER_SERVICE_TOKEN must be at least 32 characters/);
    expect(problems({ POLLER_SERVICE_TOKEN: TOKEN, POLLER_SERVICE_TOKEN_FILE: '/run/secrets/t', POLLER_CREDENTIALS_KEY: KEY })).toMatch(
      /set POLLER_SERVICE_TOKEN or POLLER_SERVICE_TOKEN_FILE, not both/,
    );
    for (const p of [problems({ POLLER_SERVICE_TOKEN: TOKEN, POLLER_CREDENTIALS_KEY: 'short' }), problems({ POLLER_SERVICE_TOKEN: TOKEN })]) {
      expect(p).not.toContain(TOKEN);
    }
  });
});
