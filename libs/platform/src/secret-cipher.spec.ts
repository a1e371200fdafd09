import { randomBytes } from 'node:crypto';
import { isSecretKey, parseSecretKey, SecretCipher } from './secret-cipher';

describe('SecretCipher (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const cipher = new SecretCipher(key, 'XERO_TOKEN_KEY');

  it('round-trips, with a fresh nonce each time and nothing of the secret in the clear', () => {
    const a = cipher.encrypt('eyJ.secret.token', 'connection:acme:access_token');
    const b = cipher.encrypt('eyJ.secret.token', 'connection:acme:access_token');
    expect(a).not.toBe(b);
    expect(a).not.toMatch(/eyJ|secret/);
    expect(cipher.decrypt(a, 'connection:acme:access_token')).toBe('eyJ.secret.token');
  });

  it('refuses another row, a tampered value or another key, naming the key variable and echoing nothing', () => {
    const sealed = cipher.encrypt('refresh-123', 'connection:acme:refresh_token');
    expect(() => cipher.decrypt(sealed, 'connection:other:refresh_token')).toThrow(
      'a stored secret could not be decrypted (wrong XERO_TOKEN_KEY, or the value was altered)',
    );
    const parts = sealed.split(':');
    parts[3] = Buffer.from('x' + Buffer.from(parts[3], 'base64').toString('latin1').slice(1), 'latin1').toString('base64');
    expect(() => cipher.decrypt(parts.join(':'), 'connection:acme:refresh_token')).toThrow(/could not be decrypted/);
    expect(() => new SecretCipher(randomBytes(32)).decrypt(sealed, 'connection:acme:refresh_token')).toThrow(/could not be decrypted/);
  });

  it('reads a key as hex or base64 and refuses anything but 32 bytes, naming the variable', () => {
    expect(parseSecretKey(key.toString('hex'), 'K')).toEqual(key);
    expect(parseSecretKey(key.toString('base64'), 'K')).toEqual(key);
    expect(() => parseSecretKey('too-short', 'POLLER_CREDENTIALS_KEY')).toThrow('POLLER_CREDENTIALS_KEY must be 32 bytes, written as 64 hex digits or base64');
    expect(() => parseSecretKey(randomBytes(16).toString('hex'), 'K')).toThrow(/32 bytes/);
    expect([isSecretKey(key.toString('hex')), isSecretKey('nope')]).toEqual([true, false]);
  });
});
