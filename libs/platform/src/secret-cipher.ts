// Secrets at rest (the exporter's Xero tokens, the poller's LNB credentials): AES-256-GCM with a key from the
// environment, each ciphertext bound to the row and field it belongs to (associated data), so a value copied
// into another row does not decrypt. One cipher for every service that keeps a secret.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/** Reads a 32-byte key written as 64 hex digits or as base64; throws a message naming `variable` (never the key). */
export function parseSecretKey(text: string, variable: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : /^[A-Za-z0-9+/_-]+={0,2}$/.test(t) ? Buffer.from(t, 'base64') : undefined;
  if (!key || key.length !== 32) throw new Error(`${variable} must be 32 bytes, written as 64 hex digits or base64`);
  return key;
}

/** Whether `text` is a key parseSecretKey takes (for a configuration check that must not throw). */
export const isSecretKey = (text: string): boolean => {
  try {
    parseSecretKey(text, 'key');
    return true;
  } catch {
    return false;
  }
};

export class SecretCipher {
  /** `variable` names the key's setting in the words of a value that does not decrypt. */
  constructor(
    private readonly key: Buffer,
    private readonly variable = 'the key',
  ) {
    if (key.length !== 32) throw new Error('an AES-256 key is 32 bytes');
  }

  static fromText(text: string, variable: string): SecretCipher {
    return new SecretCipher(parseSecretKey(text, variable), variable);
  }

  /** `context` names where the value lives (e.g. "connection:acme:refresh_token"); decrypt needs the same. */
  encrypt(plain: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  decrypt(sealed: string, context: string): string {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('not a sealed value (unknown format)');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      // GCM says only "unable to authenticate": a wrong key, a tampered value or another row's value.
      throw new Error(`a stored secret could not be decrypted (wrong ${this.variable}, or the value was altered)`);
    }
  }
}
