// Helpers for tests that drive the sandbox over HTTP, as an integrator (or a separate process) does.

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One request, its body as JSON; every POST, PUT and PATCH says JSON, as the admin API wants even without a body. */
export async function call(method: string, url: string, body?: unknown): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? null : JSON.parse(text) };
}

/** POST /auth/token with these credentials. */
export const askToken = (apiUrl: string, clientId: string, clientSecret: string): Promise<Answer> =>
  call('POST', `${apiUrl}/auth/token`, { client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' });

/** A token for these credentials; throws when the sandbox refuses them. */
export async function tokenFor(apiUrl: string, clientId: string, clientSecret: string): Promise<string> {
  const granted = await askToken(apiUrl, clientId, clientSecret);
  if (granted.status !== 200) throw new Error(`no token: ${granted.status} ${JSON.stringify(granted.body)}`);
  return (granted.body as { access_token: string }).access_token;
}
