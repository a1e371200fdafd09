/** What stands where a secret was. */
export const REDACTED = '[REDACTED]';

// In a URL a value is form-encoded, so punctuation ends it. An already redacted value is matched
// whole, so redacting twice changes nothing.
const QUERY_SECRET = /(access_token|client_secret)(=)(?:\[REDACTED\]|[^&#\s"'<>:,;()[\]]*)/gi;
// Inside an encoded URL the value ends at the next escape (%26 is "&").
const ENCODED_QUERY_SECRET = /(access_token|client_secret)(%3D)(?:\[REDACTED\]|[^&#\s"'<>%]*)/gi;
const JSON_SECRET = /("(?:access_token|client_secret)"\s*:\s*")(?:[^"\\]|\\.)*"/gi;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/-]+=*/g;

const keepName = (_match: string, name: string, eq: string): string => `${name}${eq}${REDACTED}`;

/**
 * The text with every access token and client secret replaced: as query parameters (plain or
 * URL-encoded), as JSON fields, as a Bearer header, and any literal `secrets` wherever they stand.
 * Every URL, message and label the client emits goes through here.
 */
export function redact(text: string | URL, secrets: readonly (string | undefined)[] = []): string {
  let out = String(text)
    .replace(QUERY_SECRET, keepName)
    .replace(ENCODED_QUERY_SECRET, keepName)
    .replace(JSON_SECRET, (_match, head: string) => `${head}${REDACTED}"`)
    .replace(BEARER, (_match, head: string) => `${head}${REDACTED}`);
  for (const secret of secrets) {
    // Short values would redact ordinary words; real tokens and secrets are long.
    if (secret && secret.length >= 8) out = out.split(secret).join(REDACTED);
  }
  return out;
}
