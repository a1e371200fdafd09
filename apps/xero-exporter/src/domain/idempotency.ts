// Xero's Idempotency-Key (at most 128 characters): one per document revision, and one per batch
// derived from the revisions it carries, so resending the same request replays Xero's first answer.
import { createHash } from 'node:crypto';

export const MAX_IDEMPOTENCY_KEY = 128;

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** Readable when it fits (`<documentKey>@<revision>`), else a prefix of it with a hash of the whole. */
export function idempotencyKey(documentKey: string, revision: string, purpose = 'create'): string {
  const plain = `${purpose}:${documentKey}@${revision}`;
  if (plain.length <= MAX_IDEMPOTENCY_KEY && /^[\x21-\x7e]+$/.test(plain)) return plain;
  const digest = sha256(plain);
  const readable = plain.replace(/[^\x21-\x7e]/g, '_').slice(0, MAX_IDEMPOTENCY_KEY - digest.length - 1);
  return `${readable}~${digest}`;
}

/** The key of a request carrying several documents: the same set of revisions gives the same key, in any order. */
export function batchIdempotencyKey(perDocumentKeys: string[]): string {
  if (perDocumentKeys.length === 1) return perDocumentKeys[0];
  return `batch:${perDocumentKeys.length}:${sha256([...perDocumentKeys].sort().join('\n'))}`;
}
