// What the exporter refuses to start with, for the connect flow: no redirect URI or no service token with the
// authorization-code grant, a short token, both a token and its file. The message names the variable, never the token.
import { configProblems, loadConfig } from '@lnbx/platform';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExporterConfig } from './config';
import { serviceTokenOf } from './http/service-token.guard';

const TOKEN = 'a-service-token-of-forty-characters-long!';
const base = {
  XERO_CLIENT_ID: 'id',
  XERO_CLIENT_SECRET: 'secret',
  XERO_TOKEN_KEY: '0'.repeat(64),
  XERO_GRANT: 'authorization_code',
  XERO_REDIRECT_URI: 'https://connector.example.com/api/xero/callback',
  EXPORTER_SERVICE_TOKEN: TOKEN,
};

const problems = (env: Record<string, string | undefined>): string => configProblems(ExporterConfig, env);

describe('ExporterConfig: the connect flow', () => {
  it('starts with the authorization-code grant, a redirect URI and a service token', () => {
    expect(problems(base)).toBe('');
    expect(serviceTokenOf(loadConfig(ExporterConfig, base))).toBe(TOKEN);
  });

  it('refuses the authorization-code grant without XERO_REDIRECT_URI (never built from a Host header)', () => {
    expect(problems({ ...base, XERO_REDIRECT_URI: undefined })).toMatch(
      /XERO_REDIRECT_URI=null: XERO_REDIRECT_URI is required with XERO_GRANT=authorization_code/,
    );
    expect(problems({ ...base, XERO_REDIRECT_URI: 'https://x.example/cb#frag' })).toMatch(/XERO_REDIRECT_URI.*without a fragment/);
  });

  it('refuses the authorization-code grant without a service token, a short one, or both a token and its file; never shows it', () => {
    expect(problems({ ...base, EXPORTER_SERVICE_TOKEN: undefined })).toMatch(
      /EXPORTER_SERVICE_TOKEN \(or EXPORTER_SERVICE_TOKEN_FILE\) is required with XERO_GRANT=authorization_code/,
    );
    const short = problems({ ...base, EXPORTER_SERVICE_TOKEN: 'short-token' });
    expect(short).toMatch(/EXPORTER_SERVICE_TOKEN=\(secret, not shown\): EXPORTER_SERVICE_TOKEN must be at least 32 characters/);
    expect(short).not.toContain('short-token');
    expect(problems({ ...base, EXPORTER_SERVICE_TOKEN_FILE: '/run/token' })).toMatch(/not both/);
  });

  it('reads the token from EXPORTER_SERVICE_TOKEN_FILE, and stops naming the variable when the file cannot serve', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exporter-token-'));
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    writeFileSync(join(dir, 'short'), 'short\n');
    const fromFile = (file: string) =>
      serviceTokenOf(loadConfig(ExporterConfig, { ...base, EXPORTER_SERVICE_TOKEN: undefined, EXPORTER_SERVICE_TOKEN_FILE: file }));
    expect(fromFile(join(dir, 'token'))).toBe(TOKEN);
    expect(() => fromFile(join(dir, 'short'))).toThrow(/EXPORTER_SERVICE_TOKEN_FILE=.*at least 32 characters/);
    expect(() => fromFile(join(dir, 'missing'))).toThrow(/EXPORTER_SERVICE_TOKEN_FILE=.*cannot read the service token \(ENOENT\)/);
  });

  it('lets a custom connection run without either: then nothing but health and metrics is served', () => {
    expect(problems({ ...base, XERO_GRANT: 'client_credentials', XERO_REDIRECT_URI: undefined, EXPORTER_SERVICE_TOKEN: undefined })).toBe('');
  });
});
