import { randomBytes } from 'node:crypto';
import { parseTokenKey, TokenCipher } from './token-cipher';

describe('TokenCipher (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const cipher = new TokenCipher(key);

  it('round-trips, with a fresh nonce each time and nothing of the token in the clear', () => {
    const a = cipher.encrypt('eyJ.secret.token', 'connection:acme:access_token');
    const b = cipher.encrypt('eyJ.secret.token', 'connection:acme:access_token');
    expect(a).not.toBe(b);
    expect(a).not.toMatch(/eyJ|secret/);
    expect(cipher.decrypt(a, 'connection:acme:access_token')).toBe('eyJ.secret.token');
  });

  it('refuses another row, a tampered value or another key, without echoing anything', () => {
    const sealed = cipher.encrypt('refresh-123', 'connection:acme:refresh_token');
    expect(() => cipher.decrypt(sealed, 'connection:other:refresh_token')).toThrow(/could not be decrypted/);
    const parts = sealed.split(':');
    parts[3] = Buffer.from('x' + Buffer.from(parts[3], 'base64').toString('latin1').slice(1), 'latin1').toString('base64');
    expect(() => cipher.decrypt(parts.join(':'), 'connection:acme:refresh_token')).toThrow(/could not be decrypted/);
    expect(() => new TokenCipher(randomBytes(32)).decrypt(sealed, 'connection:acme:refresh_token')).toThrow(/could not be decrypted/);
  });

  it('reads a key as hex or base64 and refuses anything but 32 bytes', () => {
    expect(parseTokenKey(key.toString('hex'))).toEqual(key);
    expect(parseTokenKey(key.toString('base64'))).toEqual(key);
    expect(() => parseTokenKey('too-short')).toThrow(/32 bytes/);
    expect(() => parseTokenKey(randomBytes(16).toString('hex'))).toThrow(/32 bytes/);
  });
});
