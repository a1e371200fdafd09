// The one redactor. Secrets never reach a log, an event, a metric or an error: LNB sends its token in
// the query string, Xero in a Bearer header; refresh tokens and client secrets travel in bodies, a
// database password in its URL. Every log line (the logger), every coded error's message (CodedError)
// and the other side's words an event carries go through here. It lives beside the errors, in the lib
// that imports nothing, so the LNB client and the pure domain folders can use it without the plumbing.

/** What stands where a secret was. */
export const REDACTED = '[REDACTED]';

// Each pattern matches an already redacted value whole, so redacting twice changes nothing.
const QUERY_NAMES = 'access_token|refresh_token|client_secret';
// A query value runs to the next parameter, space or quote: a token with punctuation is still hidden whole.
const QUERY_SECRET = new RegExp(`(${QUERY_NAMES})(=)(?:\\[REDACTED\\]|[^&\\s"']*)`, 'gi');
// OAuth's authorization code, only as a query parameter ("exit code=1" in prose is not a secret).
const QUERY_CODE = /([?&]code)(=)(?:\[REDACTED\]|[^&\s"']*)/gi;
// Inside an encoded URL the value ends at the next escape (%26 is "&").
const ENCODED_QUERY_SECRET = new RegExp(`(${QUERY_NAMES})(%3D)(?:\\[REDACTED\\]|[^&#\\s"'<>%]*)`, 'gi');
const JSON_SECRET = /("(?:access_token|refresh_token|client_secret|id_token|password|apiKey|api_key)"\s*:\s*")(?:[^"\\]|\\.)*"/gi;
const BEARER = /(Bearer\s+)(?:\[REDACTED\]|[A-Za-z0-9._~+/=-]+)/g;
const DATABASE_PASSWORD = /(postgres(?:ql)?:\/\/[^:@/\s]+:)[^@\s]+(@)/gi;

const keepName = (_match: string, name: string, eq: string): string => `${name}${eq}${REDACTED}`;

/**
 * The text with every secret replaced: access and refresh tokens, client secrets and OAuth codes as
 * query parameters (plain or URL-encoded), tokens, secrets and passwords as JSON fields, Bearer
 * headers, the password of a postgres:// URL, and any literal `secrets` (a client's own token and
 * secret) wherever they stand.
 */
export function redact(text: string | URL, secrets: readonly (string | undefined)[] = []): string {
  let out = String(text)
    .replace(QUERY_SECRET, keepName)
    .replace(QUERY_CODE, keepName)
    .replace(ENCODED_QUERY_SECRET, keepName)
    .replace(JSON_SECRET, (_match, head: string) => `${head}${REDACTED}"`)
    .replace(BEARER, (_match, head: string) => `${head}${REDACTED}`)
    .replace(DATABASE_PASSWORD, (_match, head: string, at: string) => `${head}${REDACTED}${at}`);
  for (const secret of secrets) {
    // Short values would redact ordinary words; real tokens and secrets are long.
    if (secret && secret.length >= 8) out = out.split(secret).join(REDACTED);
  }
  return out;
}
