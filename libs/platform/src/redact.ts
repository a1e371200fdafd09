// Secrets never reach a log, an event, a metric or an error: LNB sends its token in the query string,
// Xero in a Bearer header; refresh tokens and client secrets travel in bodies.
const PATTERNS: [RegExp, string][] = [
  [/([?&](?:access_token|refresh_token|client_secret|code)=)[^&\s"']+/gi, '$1[redacted]'],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1[redacted]'],
  [/("(?:access_token|refresh_token|client_secret|id_token|password|apiKey|api_key)"\s*:\s*")[^"]*(")/gi, '$1[redacted]$2'],
  [/(postgres(?:ql)?:\/\/[^:@/\s]+:)[^@\s]+(@)/gi, '$1[redacted]$2'],
];

export function redact(text: string): string {
  let out = text;
  for (const [re, to] of PATTERNS) out = out.replace(re, to);
  return out;
}
