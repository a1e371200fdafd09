import { isCodedError } from '@lnbx/contracts';
import { IsInt, IsString, Matches, Min } from 'class-validator';
import { ConfigError, configProblems, describeConfig, Env, loadConfig, Secret } from './config';
import { JsonLogger } from './logger';
import { ServiceConfig } from './service-config';

class SampleConfig {
  @Env('SAMPLE_PORT') @IsInt() @Min(1) port = 8080;
  @Env('SAMPLE_URL') @Matches(/^https?:\/\//) url = 'http://localhost';
  @Env('SAMPLE_SECRET') @Secret() @IsString() @Matches(/^.{8,}$/) secret = 'change-me-please';
}

describe('loadConfig', () => {
  it('reads and converts variables over the defaults', () => {
    const c = loadConfig(SampleConfig, { SAMPLE_PORT: '9000' });
    expect(c.port).toBe(9000);
    expect(c.url).toBe('http://localhost');
  });

  it('stops with a message naming every bad variable, never showing a secret', () => {
    let error: unknown;
    try {
      loadConfig(SampleConfig, { SAMPLE_PORT: 'eighty', SAMPLE_URL: 'ftp://x', SAMPLE_SECRET: 'short' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(isCodedError(error, 'CONFIG.INVALID') && !error.retriable).toBe(true);
    const msg = (error as Error).message;
    expect(msg).toMatch(/SAMPLE_PORT="eighty"/);
    expect(msg).toMatch(/SAMPLE_URL="ftp:\/\/x"/);
    expect(msg).toMatch(/SAMPLE_SECRET=\(secret, not shown\)/);
    expect(msg).not.toMatch(/short/);
  });

  it('takes a METRICS_TOKEN of 32 characters or more, and never shows one it refuses', () => {
    const local = { KAFKA_SECURITY: 'plaintext' };
    expect(loadConfig(ServiceConfig, local).metricsToken).toBeUndefined();
    expect(loadConfig(ServiceConfig, { ...local, METRICS_TOKEN: 'm'.repeat(32) }).metricsToken).toBe('m'.repeat(32));
    const refused = configProblems(ServiceConfig, { ...local, METRICS_TOKEN: 'too-short-a-token' });
    expect(refused).toMatch(/METRICS_TOKEN=\(secret, not shown\): METRICS_TOKEN must be at least 32 characters/);
    expect(refused).not.toContain('too-short');
    expect(describeConfig(loadConfig(ServiceConfig, { ...local, METRICS_TOKEN: 'm'.repeat(32) })).METRICS_TOKEN).toBe('[secret]');
  });

  it('describes a config with its secrets hidden', () => {
    expect(describeConfig(loadConfig(SampleConfig, {}))).toEqual({ SAMPLE_PORT: 8080, SAMPLE_URL: 'http://localhost', SAMPLE_SECRET: '[secret]' });
  });
});

describe('JsonLogger', () => {
  it('writes one redacted JSON object a line, with the service and its fields', () => {
    const lines: string[] = [];
    const logger = new JsonLogger('svc', 'info', (l) => lines.push(l)).child({ runId: 'r1' });
    logger.debug('hidden at info');
    logger.info('fetched', { url: 'https://x/invoices?access_token=SECRET' });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({ level: 'info', service: 'svc', msg: 'fetched', runId: 'r1', url: 'https://x/invoices?access_token=[REDACTED]' });
    expect(lines[0]).not.toMatch(/SECRET/);
  });

  it("keeps an error's stack, code and cause wherever it sits among the fields, redacted too", () => {
    const lines: string[] = [];
    const logger = new JsonLogger('svc', 'info', (l) => lines.push(l));
    const cause = new Error('socket hang up');
    const err = Object.assign(new Error('LNB did not answer GET /invoices?access_token=SECRET', { cause }), { code: 'LNB.UNAVAILABLE', retriable: true });
    logger.error('page failed', { err, other: new TypeError('bad') });
    logger.error(new Error('thrown at Nest'));
    const [first, second] = lines.map((l) => JSON.parse(l));
    expect(first).toMatchObject({
      level: 'error',
      msg: 'page failed',
      err: { type: 'Error', code: 'LNB.UNAVAILABLE', retriable: true, cause: { message: 'socket hang up' } },
    });
    expect(first.err.stack).toMatch(/config\.spec\.ts/);
    expect(first.other).toMatchObject({ type: 'TypeError', message: 'bad', stack: expect.stringContaining('TypeError: bad') });
    expect(second).toMatchObject({ msg: 'thrown at Nest', err: { message: 'thrown at Nest', stack: expect.any(String) } });
    expect(lines.join('\n')).not.toMatch(/SECRET/);
    expect(typeof first.time).toBe('string');
    expect(new Date(first.time).toISOString()).toBe(first.time);
  });
});
