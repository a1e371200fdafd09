// Connecting Xero, the rules of the monitor's side (no I/O): an operator's authorization request (a random
// single-use state, a PKCE verifier, a nonce that ties it to the browser that asked), why a callback is
// refused, and the plain words the operator reads afterwards. The state, the nonce and the verifier are
// secrets: stored hashed (the state, the nonce) or until used (the verifier), never logged, never shown.
import { createHash, randomBytes } from 'node:crypto';
import { choosingSentence } from './xero-status';

/** How long an operator has between "Connect to Xero" and Xero sending the browser back. */
export const AUTHORIZATION_TTL_MS = 10 * 60_000;

/** HttpOnly, scoped to the callback: holds the nonce whose hash is stored with the state. */
export const NONCE_COOKIE = 'lnbx_xero_connect';
/** Read by the Integration Center's script once, then deleted: the outcome of the callback in plain words. */
export const OUTCOME_COOKIE = 'lnbx_xero_outcome';

export interface NewAuthorization {
  /** 256 random bits, base64url: the OAuth `state`. */
  state: string;
  /** 256 random bits, base64url: the browser cookie's value. */
  nonce: string;
  /** RFC 7636: 43 base64url characters (256 random bits). */
  codeVerifier: string;
  /** base64url(SHA-256(codeVerifier)), the S256 challenge sent to Xero. */
  codeChallenge: string;
}

const random = (): string => randomBytes(32).toString('base64url');

export const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

export function newAuthorization(): NewAuthorization {
  const codeVerifier = random();
  return { state: random(), nonce: random(), codeVerifier, codeChallenge: s256(codeVerifier) };
}

/** What is stored of a state or a nonce: enough to recognise it, nothing to replay. */
export const hashOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** The value of a cookie in a Cookie header (the first, as browsers send the most specific path first). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  path: string;
  maxAgeSeconds: number;
  /** Sent only over https: set when the callback (XERO_REDIRECT_URI) is https. */
  secure: boolean;
  httpOnly: boolean;
}

/**
 * A Set-Cookie value. SameSite=Lax: Xero's redirect back is a top-level GET navigation from another site,
 * which carries Lax cookies; a request another site makes in the background does not.
 */
export function setCookie(name: string, value: string, o: CookieOptions): string {
  return [`${name}=${value}`, `Path=${o.path}`, `Max-Age=${o.maxAgeSeconds}`, 'SameSite=Lax', o.httpOnly ? 'HttpOnly' : '', o.secure ? 'Secure' : '']
    .filter(Boolean)
    .join('; ');
}

/** What is stored of a request, as the callback looks at it. */
export interface StoredAuthorization {
  connectionId: string;
  browserHash: string;
  used: boolean;
  expired: boolean;
}

export type Refusal = 'no_state' | 'no_cookie' | 'unknown' | 'used' | 'expired' | 'other_browser' | 'other_connection';

/** Why a callback cannot go on, checked in the order that tells the operator the most; undefined when it may. */
export function whyRefused(stored: StoredAuthorization | undefined, o: { browserHash?: string; connectionId?: string }): Refusal | undefined {
  if (!stored) return 'unknown';
  if (stored.used) return 'used';
  if (stored.expired) return 'expired';
  if (o.connectionId !== undefined && stored.connectionId !== o.connectionId) return 'other_connection';
  if (o.browserHash === undefined) return 'no_cookie';
  if (stored.browserHash !== o.browserHash) return 'other_browser';
  return undefined;
}

const START_AGAIN = 'Start again with "Connect to Xero" in the Integration Center.';

/** The page a refused callback shows: what happened and what to do, never the state. */
export function refusalMessage(r: Refusal): string {
  switch (r) {
    case 'no_state':
      return `This address is not a Xero connection link: state is missing. ${START_AGAIN}`;
    case 'no_cookie':
      return (
        'This browser did not start this Xero connection (its cookie is missing: the Integration Center must be open at the ' +
        `same address as the connector's XERO_REDIRECT_URI, in the same browser). ${START_AGAIN}`
      );
    case 'unknown':
      return `This Xero connection link is unknown: state does not match any request. ${START_AGAIN}`;
    case 'used':
      return `This Xero connection link was used already: state works once. ${START_AGAIN}`;
    case 'expired':
      return `This Xero connection link expired: state lasts 10 minutes. ${START_AGAIN}`;
    case 'other_browser':
      return `This Xero connection was started in another browser or a later "Connect to Xero" replaced it. ${START_AGAIN}`;
    case 'other_connection':
      return `This Xero connection link was made for another connection than the one this Integration Center serves. ${START_AGAIN}`;
  }
}

/** What Xero's error parameter means, for the operator (RFC 6749 4.1.2.1). */
export function xeroRefusalMessage(error: string): string {
  if (error === 'access_denied')
    return 'Not connected to Xero: access was not allowed in Xero (the consent was cancelled or refused). Connect again when ready.';
  return `Not connected to Xero: Xero answered "${error}". ${START_AGAIN}`;
}

export interface Outcome {
  connected: boolean;
  /** The consent gave several organisations: the panel asks to pick one (no failure). */
  choosing?: true;
  message: string;
}

export const connectedOutcome = (tenantName: string): Outcome => ({ connected: true, message: `Connected to ${tenantName}.` });
export const choosingOutcome = (organisations: number): Outcome => ({ connected: false, choosing: true, message: choosingSentence(organisations) });
export const failedOutcome = (why: string): Outcome => ({ connected: false, message: `Not connected to Xero: ${why}` });
