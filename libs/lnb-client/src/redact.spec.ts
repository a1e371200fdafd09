import { REDACTED, redact } from './redact';

describe('redact', () => {
  it('replaces the access_token query value wherever it stands', () => {
    expect(redact('https://lnb.test/apis/wholesale/v2/invoices?access_token=abc.DEF-123_x&page=2')).toBe(
      `https://lnb.test/apis/wholesale/v2/invoices?access_token=${REDACTED}&page=2`,
    );
    expect(redact('/invoices?page=2&access_token=s3cr3t#frag')).toBe(`/invoices?page=2&access_token=${REDACTED}#frag`);
    expect(redact(new URL('https://lnb.test/version?ACCESS_TOKEN=xyz'))).toBe(`https://lnb.test/version?ACCESS_TOKEN=${REDACTED}`);
  });

  it('replaces URL-encoded tokens, JSON fields, client secrets and Bearer headers', () => {
    expect(redact('next=%2Finvoices%3Fpage%3D2%26access_token%3Dabc123')).toBe(`next=%2Finvoices%3Fpage%3D2%26access_token%3D${REDACTED}`);
    expect(redact('{"access_token": "tok\\"en", "expire_on": "2026-01-01"}')).toBe(`{"access_token": "${REDACTED}", "expire_on": "2026-01-01"}`);
    expect(redact('{"client_id":"id","client_secret":"hush"}')).toBe(`{"client_id":"id","client_secret":"${REDACTED}"}`);
    expect(redact('Authorization: Bearer eyJhbGciOi.J9x-y_z==')).toBe(`Authorization: Bearer ${REDACTED}`);
  });

  it('replaces known secret values anywhere, but not short ones that would eat ordinary words', () => {
    expect(redact('fetch failed for token Zx81kQpLm2 at 10:00', ['Zx81kQpLm2'])).toBe(`fetch failed for token ${REDACTED} at 10:00`);
    expect(redact('page 2 of 3', ['2', undefined])).toBe('page 2 of 3');
  });

  it('changes nothing when applied twice', () => {
    const once = redact('GET /x?access_token=abc: failed, {"client_secret":"s"}');
    expect(once).toBe(`GET /x?access_token=${REDACTED}: failed, {"client_secret":"${REDACTED}"}`);
    expect(redact(once)).toBe(once);
  });

  it('leaves text without secrets as it is', () => {
    expect(redact('GET /invoices?page=3 -> 503')).toBe('GET /invoices?page=3 -> 503');
  });
});
