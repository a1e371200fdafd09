// Xero authorization requests in monitor.xero_authorizations (migration 0004): made by POST /api/xero/connect,
// taken once by GET /api/xero/callback. Looked up by the state's hash only; the state itself is never stored.
import type { Pool } from 'pg';
import type { StoredAuthorization } from '../domain/xero-connect';

export interface AuthorizationRequest {
  stateHash: string;
  browserHash: string;
  connectionId: string;
  requestedBy: string;
  redirectUri: string;
  codeVerifier: string;
  expiresAt: Date;
}

export async function saveAuthorization(pool: Pool, r: AuthorizationRequest): Promise<void> {
  // Requests nobody finished are of no use a day after they expired; the used ones stay as the record.
  await pool.query(`delete from monitor.xero_authorizations where used_at is null and expires_at < now() - interval '1 day'`);
  await pool.query(
    `insert into monitor.xero_authorizations (state_hash, browser_hash, connection_id, requested_by, redirect_uri, code_verifier, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [r.stateHash, r.browserHash, r.connectionId, r.requestedBy, r.redirectUri, r.codeVerifier, r.expiresAt],
  );
}

/**
 * Marks the request used, in one statement and only if everything holds (unused, unexpired, this browser): of
 * two callbacks with one state, one gets it. A refused callback changes nothing. The connection connected is
 * the one the request was made for (by a key that may act on it), never one the callback names.
 */
export async function takeAuthorization(
  pool: Pool,
  stateHash: string,
  browserHash: string,
): Promise<{ connectionId: string; requestedBy: string; redirectUri: string; codeVerifier: string } | undefined> {
  const { rows } = await pool.query<{ connectionId: string; requestedBy: string; redirectUri: string; codeVerifier: string }>(
    `update monitor.xero_authorizations set used_at = now()
     where state_hash = $1 and browser_hash = $2 and used_at is null and expires_at > now()
     returning connection_id as "connectionId", requested_by as "requestedBy", redirect_uri as "redirectUri", code_verifier as "codeVerifier"`,
    [stateHash, browserHash],
  );
  return rows[0];
}

/** Why a request could not be taken (looked at, not changed). */
export async function findAuthorization(pool: Pool, stateHash: string): Promise<StoredAuthorization | undefined> {
  const { rows } = await pool.query<StoredAuthorization>(
    `select connection_id as "connectionId", browser_hash as "browserHash", used_at is not null as used, expires_at <= now() as expired
     from monitor.xero_authorizations where state_hash = $1`,
    [stateHash],
  );
  return rows[0];
}

/** How it ended, in the operator's words; the verifier is of no use any more and goes. */
export async function finishAuthorization(pool: Pool, stateHash: string, outcome: string): Promise<void> {
  await pool.query('update monitor.xero_authorizations set outcome = $2, code_verifier = null where state_hash = $1', [stateHash, outcome]);
}
