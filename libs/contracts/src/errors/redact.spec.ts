import { REDACTED, redact } from './redact';

describe('redact', () => {
  it('replaces token and secret query values wherever they stand', () => {
    expect(redact('https://lnb.test/apis/wholesale/v2/invoices?access_token=abc.DEF-123_x&page=2')).toBe(
      `https://lnb.test/apis/wholesale/v2/invoices?access_token=${REDACTED}&page=2`,
    );
    expect(redact('GET https://lnb.example/apis/wholesale/v2/invoices?page=2&access_token=abc.def-123')).toBe(
      `GET https://lnb.example/apis/wholesale/v2/invoices?page=2&access_token=${REDACTED}`,
    );
    expect(redact(new URL('https://lnb.test/version?ACCESS_TOKEN=xyz'))).toBe(`https://lnb.test/version?ACCESS_TOKEN=${REDACTED}`);
    expect(redact('POST /token?grant_type=refresh_token&refresh_token=r-1&client_secret=s')).toBe(
      `POST /token?grant_type=refresh_token&refresh_token=${REDACTED}&client_secret=${REDACTED}`,
    );
  });

  it('hides a query value whole, punctuation included', () => {
    expect(redact('/invoices?page=2&access_token=s3:cr#3t(x) next')).toBe(`/invoices?page=2&access_token=${REDACTED} next`);
  });

  it('replaces an OAuth code as a query parameter, not the word "code" in prose', () => {
    expect(redact('GET /callback?code=4/0Ab-x&state=s1')).toBe(`GET /callback?code=${REDACTED}&state=s1`);
    expect(redact('exit code=1')).toBe('exit code=1');
  });

  it('replaces URL-encoded tokens, JSON fields, Bearer headers and database passwords', () => {
    expect(redact('next=%2Finvoices%3Fpage%3D2%26access_token%3Dabc123')).toBe(`next=%2Finvoices%3Fpage%3D2%26access_token%3D${REDACTED}`);
    expect(redact('{"access_token": "tok\\"en", "expire_on": "2026-01-01"}')).toBe(`{"access_token": "${REDACTED}", "expire_on": "2026-01-01"}`);
    expect(redact('{"client_id":"id","client_secret":"hush"}')).toBe(`{"client_id":"id","client_secret":"${REDACTED}"}`);
    for (const field of ['refresh_token', 'id_token', 'password', 'apiKey', 'api_key']) {
      expect(redact(`{"${field}":"v-1","x":1}`)).toBe(`{"${field}":"${REDACTED}","x":1}`);
    }
    expect(redact('Authorization: Bearer eyJhbGciOi.J9x-y_z==')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redact('Authorization: Bearer a=b/c')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redact('postgres://app:hunter2@db:5432/x and postgresql://u:p%40ss@h/y')).toBe(
      `postgres://app:${REDACTED}@db:5432/x and postgresql://u:${REDACTED}@h/y`,
    );
  });

  it('replaces known secret values anywhere, but not short ones that would eat ordinary words', () => {
    expect(redact('fetch failed for token Zx81kQpLm2 at 10:00', ['Zx81kQpLm2'])).toBe(`fetch failed for token ${REDACTED} at 10:00`);
    expect(redact('page 2 of 3', ['2', undefined])).toBe('page 2 of 3');
  });

  it('changes nothing when applied twice', () => {
    const once = redact('GET /x?access_token=abc: failed, {"client_secret":"s"}, Bearer t.k, postgres://a:b@h/d, ?code=c');
    expect(once).toBe(
      `GET /x?access_token=${REDACTED} failed, {"client_secret":"${REDACTED}"}, Bearer ${REDACTED}, postgres://a:${REDACTED}@h/d, ?code=${REDACTED}`,
    );
    expect(redact(once)).toBe(once);
    expect(redact(`GET /x?access_token=${REDACTED}: failed`)).toBe(`GET /x?access_token=${REDACTED}: failed`);
  });

  it('leaves text without secrets as it is', () => {
    expect(redact('GET /invoices?page=3 -> 503')).toBe('GET /invoices?page=3 -> 503');
  });
});
