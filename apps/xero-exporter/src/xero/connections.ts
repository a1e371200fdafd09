// Xero connections: the authorization-code flow (its consent link and the code's exchange, which monitor-api
// asks for on an operator's behalf: http/internal.controller.ts), custom connections
// (client credentials), the organisation picked from /connections (by an operator when a consent gives
// several: domain/organisation-choice.ts), and what happens when a connection
// is lost (its documents wait; XeroConnectionLost tells the monitor) or comes back (they resume;
// XeroConnectionRestored). Every change of the state is told whole as XeroConnectionChanged, in the
// transaction that stores it: the monitor learns the connection from these events only.
import { CodedError, type EventEnvelope, XeroConnectionChanged } from '@lnbx/contracts';
import { Outbox } from '@lnbx/messaging';
import { JsonLogger, PG_POOL } from '@lnbx/platform';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { ClientBase, Pool } from 'pg';
import { connectionChangedEvent, connectionLostEvent, connectionRestoredEvent, connectionState, connectionStream, sameConnectionState } from '../domain/events';
import { type Candidate, candidateOf, choiceExpired, choiceExpiresAt, consentOutcome, notPicked } from '../domain/organisation-choice';
import { CODES, lossCode } from '../domain/xero-errors';
import { ExporterMetrics } from '../metrics';
import { type ConnectionRow, ExporterStore, type GrantType, type SealedTokens, type Transact, TRANSACT } from '../store/exporter-store';
import { Wakeups } from '../workers/wakeups';
import { ConnectionLostError, IdentityError, type Loss, XeroCallError } from './errors';
import { authEventIdOf, type TokenAnswer, XeroIdentity } from './identity';
import { TokenService } from './tokens';

export const CONNECTION_OPTIONS = Symbol('ConnectionOptions');

/** Why a choice ends unpicked by itself. */
const LAPSED = "no organisation was picked within 60 days, the life of the consent's refresh token";

/**
 * What "Disconnect" did at Xero (removed, found gone already, or left for another connection here on the same
 * organisation), and how many documents now wait.
 */
export interface Disconnected {
  xeroTenantId: string | null;
  tenantName: string | null;
  atXero: 'disconnected' | 'gone_already' | 'kept_for_others';
  waitingDocuments: number;
}

/** What a consent made of the connection: connected to its one organisation, or waiting for an operator to pick one. */
export type Completed = { xeroTenantId: string; tenantName: string } | { choosing: true; organisations: { tenantId: string; tenantName: string }[] };

/** What "Use this organisation" did. */
export interface Picked {
  xeroTenantId: string;
  tenantName: string;
  /** The organisations not picked: let go of at Xero, or kept there because another connection here uses them. */
  released: string[];
  keptForOthers: string[];
}

/** Why a pick was refused; the connection is as it was. */
export type PickRefusal = { refused: 'not_choosing' | 'not_offered' | 'gone'; message: string };

export interface ConnectionOptions {
  grant: GrantType;
  clientId: string;
  scopes: string;
  authorizeUrl: string;
  /** XERO_REDIRECT_URI: monitor-api's callback, registered with the app (required with authorization_code). */
  redirectUri: string;
  /** Pick this organisation when the grant reaches several; else the first listed. */
  tenantId?: string;
  concurrent: number;
}

/** Connecting did not complete (an unknown or expired link, a refused authorisation, no organisation): someone starts again. */
export class ConnectionError extends CodedError<'XERO.CONNECT_FAILED'> {
  constructor(message: string, cause?: unknown) {
    super('XERO.CONNECT_FAILED', message, { cause });
  }
}

@Injectable()
export class ConnectionService implements OnApplicationBootstrap {
  private readonly logger: JsonLogger;

  constructor(
    private readonly store: ExporterStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(TRANSACT) private readonly transact: Transact,
    private readonly outbox: Outbox,
    private readonly identity: XeroIdentity,
    private readonly tokens: TokenService,
    private readonly metrics: ExporterMetrics,
    /** After a (re)connection the upkeep publishes reference data and the sender resumes, at once. */
    private readonly wakeups: Wakeups,
    @Inject(CONNECTION_OPTIONS) private readonly o: ConnectionOptions,
    logger: JsonLogger,
  ) {
    this.logger = logger.child({ component: 'exporter' });
  }

  /** Connections whose told state this process has checked (announceKnown). */
  private readonly checked = new Set<string>();

  async onApplicationBootstrap(): Promise<void> {
    // A "Disconnect" cut short by a stop: the connection is still connected, and may be disconnected again.
    await this.store.clearDisconnecting(this.pool);
    await this.announceKnown();
  }

  /**
   * A state never told (a database from before XeroConnectionChanged, a change made by an older instance, a
   * connection first seen: published by monitor-api or with a document waiting, even before it has a row) is
   * told once, so the monitor never stays blank: at start, and by the upkeep for connections that appear
   * later. A failure here stops nothing: the next look tries again.
   */
  async announceKnown(): Promise<void> {
    try {
      for (const connectionId of await this.store.knownConnections(this.pool)) {
        if (this.checked.has(connectionId)) continue;
        await this.announceIfUntold(connectionId);
        this.checked.add(connectionId);
      }
    } catch (err) {
      this.logger.warn('xero connection state not announced; the next look tries again', { reason: (err as Error).message });
    }
  }

  /** Appends XeroConnectionChanged (`announced`) unless the last one in the connection's stream tells the stored state already. */
  async announceIfUntold(connectionId: string): Promise<boolean> {
    return this.transact(async (tx) => {
      await this.store.lockConnection(tx, connectionId);
      const now = connectionState(await this.store.connection(tx, connectionId), this.o.grant);
      const told = await this.lastTold(tx, connectionId);
      if (told && sameConnectionState(told, now)) return false;
      await this.outbox.append(tx, connectionStream(connectionId), [connectionChangedEvent(connectionId, 'announced', now)]);
      this.logger.info('xero connection state announced', { connectionId, status: now.status });
      return true;
    });
  }

  private async lastTold(tx: ClientBase, connectionId: string): Promise<XeroConnectionChanged.Value | undefined> {
    const stream = await this.outbox.store.readStream(connectionStream(connectionId), { tx });
    const last = stream.filter((e) => e.type === XeroConnectionChanged.definition.type).pop();
    return last && (last.data as EventEnvelope<XeroConnectionChanged.Value>).payload;
  }

  /**
   * The consent link for a state and PKCE challenge (S256) that monitor-api made and keeps: this service
   * stores nothing until the code comes back, and the redirect URI is the configured one, never a request's.
   */
  authorizeUrl(state: string, codeChallenge: string): { url: string; redirectUri: string } {
    const url = new URL(this.o.authorizeUrl);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.o.clientId,
      redirect_uri: this.o.redirectUri,
      scope: this.o.scopes,
      state,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
    }).toString();
    return { url: url.toString(), redirectUri: this.o.redirectUri };
  }

  /**
   * The code Xero sent back exchanged with its PKCE verifier, the organisation picked, the tokens sealed and
   * stored. Xero not answering is an IdentityError (`unavailable`: try again); anything else that stops the
   * connection is a ConnectionError.
   */
  async complete(connectionId: string, code: string, codeVerifier: string): Promise<Completed> {
    let answer: TokenAnswer;
    try {
      answer = await this.identity.exchangeCode(code, this.o.redirectUri, codeVerifier);
    } catch (err) {
      if (err instanceof IdentityError && err.kind === 'unavailable') throw err;
      throw new ConnectionError(`Xero did not accept the authorisation: ${(err as Error).message}`, err);
    }
    if (!answer.refreshToken) this.logger.warn('Xero gave no refresh token (is offline_access in XERO_SCOPES?): the connection lasts 30 minutes');
    const made = await this.connect(connectionId, 'authorization_code', answer);
    if ('choose' in made) return { choosing: true, organisations: made.choose.map(({ tenantId, tenantName }) => ({ tenantId, tenantName })) };
    return { xeroTenantId: made.tenantId, tenantName: made.tenantName };
  }

  /** A custom connection connects itself (at boot, and again after a loss). */
  async ensureClientCredentials(connectionId: string): Promise<void> {
    const row = await this.store.connection(this.pool, connectionId);
    if (row?.status === 'connected') return;
    let answer: TokenAnswer;
    try {
      answer = await this.identity.clientCredentials();
    } catch (err) {
      if (err instanceof IdentityError && err.kind !== 'unavailable') await this.lost(connectionId, { reason: err.message, code: lossCode(err.kind) });
      else this.logger.warn('xero custom connection: token endpoint unavailable, will try again', { connectionId, reason: (err as Error).message });
      return;
    }
    try {
      await this.connect(connectionId, 'client_credentials', answer);
    } catch (err) {
      if (err instanceof ConnectionError) await this.lost(connectionId, { reason: err.message, code: CODES.connectionLost });
      else this.logger.warn('xero custom connection failed, will try again', { connectionId, reason: (err as Error).message });
    }
  }

  private async connect(
    connectionId: string,
    grant: GrantType,
    answer: TokenAnswer,
  ): Promise<{ tenantId: string; tenantName: string } | { choose: Candidate[] }> {
    let list: Awaited<ReturnType<XeroIdentity['connections']>>;
    try {
      list = await this.identity.connections(answer.accessToken);
    } catch (err) {
      if (err instanceof IdentityError && err.kind === 'unavailable') throw err;
      throw new ConnectionError(`Xero's /connections refused the new token: ${(err as Error).message}`, err);
    }
    const outcome = consentOutcome(list, this.o.tenantId, authEventIdOf(answer.accessToken));
    if (!outcome) {
      throw new ConnectionError(
        this.o.tenantId
          ? `organisation ${this.o.tenantId} (XERO_TENANT_ID) is not among the ${list.length} this connection reaches`
          : 'the connection reaches no Xero organisation',
      );
    }
    const sealed = this.tokens.seal(answer, connectionId);
    if ('choose' in outcome) {
      await this.waitForChoice(connectionId, grant, outcome.choose, sealed);
      return outcome;
    }
    const tenant = outcome.connect;
    await this.connectTo(connectionId, grant, { tenantId: tenant.tenantId, tenantName: tenant.tenantName }, sealed, null);
    this.tokens.prime(connectionId, answer.accessToken, sealed.accessExpiresAt);
    return tenant;
  }

  /**
   * The connection connected to `tenant` with the consent's sealed tokens, told in the same transaction (and, when
   * it comes back from an announced loss, its waiting documents counted and told as resumed); then its rate slots,
   * its metric, and the loops woken. `tokens` as a function: read under the connection's lock, undefined when the
   * connection is no longer as the caller found it (false, nothing done). `chosenBy`: who picked it among the
   * consent's organisations.
   */
  private async connectTo(
    connectionId: string,
    grant: GrantType,
    tenant: { tenantId: string; tenantName: string },
    tokens: SealedTokens | ((tx: ClientBase) => Promise<SealedTokens | undefined>),
    chosenBy: string | null,
  ): Promise<boolean> {
    const resumed = await this.transact(async (tx) => {
      await this.store.lockConnection(tx, connectionId);
      const sealed = typeof tokens === 'function' ? await tokens(tx) : tokens;
      if (!sealed) return false;
      const before = await this.store.connection(tx, connectionId, true);
      await this.store.saveConnected(tx, { connectionId, grantType: grant, xeroTenantId: tenant.tenantId, tenantName: tenant.tenantName, ...sealed, chosenBy });
      const changed = connectionChangedEvent(connectionId, 'connected', connectionState(await this.store.connection(tx, connectionId), grant));
      // Only a loss that was announced (a tenant was known) is announced as over; a first connection is news to no one.
      if (before?.status !== 'disconnected' || !before.xeroTenantId) {
        await this.outbox.append(tx, connectionStream(connectionId), [changed]);
        return undefined;
      }
      const resumedDocuments = await this.store.pendingCount(tx, connectionId);
      await this.outbox.append(tx, connectionStream(connectionId), [
        connectionRestoredEvent(connectionId, { xeroTenantId: tenant.tenantId, tenantName: tenant.tenantName || undefined, resumedDocuments }),
        changed,
      ]);
      return resumedDocuments;
    });
    if (resumed === false) return false;
    await this.store.ensureSlots(this.pool, tenant.tenantId, this.o.concurrent);
    this.metrics.connectionUp.set({ connection: connectionId, tenant: tenant.tenantId }, 1);
    this.logger.info(resumed === undefined ? 'xero connected' : 'xero connection restored: waiting documents resume', {
      connectionId,
      grant,
      xeroTenantId: tenant.tenantId,
      tenantName: tenant.tenantName,
      chosenBy,
      resumedDocuments: resumed,
    });
    this.wakeups.connected();
    return true;
  }

  /**
   * The consent gave several organisations: connected to none (whatever the connection was connected to before, nothing
   * more is sent there), its tokens kept sealed with the organisations offered, and XeroConnectionChanged (`choose`)
   * tells the monitor, which asks an operator to pick one.
   */
  private async waitForChoice(connectionId: string, grant: GrantType, candidates: Candidate[], sealed: SealedTokens): Promise<void> {
    const before = await this.transact(async (tx) => {
      await this.store.lockConnection(tx, connectionId);
      const row = await this.store.connection(tx, connectionId, true);
      await this.store.saveChoosing(tx, { connectionId, grantType: grant, candidates, choiceExpiresAt: choiceExpiresAt(new Date()), ...sealed });
      const state = connectionState(await this.store.connection(tx, connectionId), grant);
      await this.outbox.append(tx, connectionStream(connectionId), [connectionChangedEvent(connectionId, 'choose', state)]);
      return row;
    });
    // The senders must not go on with a token of the connection it was: it waits now.
    this.tokens.forget(connectionId);
    if (before?.xeroTenantId) this.metrics.connectionUp.remove({ connection: connectionId, tenant: before.xeroTenantId });
    this.logger.info('xero consent gave several organisations: an operator picks one, nothing is sent meanwhile', {
      connectionId,
      organisations: candidates.map((c) => c.tenantName || c.tenantId),
    });
  }

  /**
   * "Use this organisation", pressed by `by` while the connection waits for a choice: the organisation must be one
   * the consent gave, and still reachable with it. Connected as a consent of one organisation is (told `connected`
   * with who picked it), then the consent's other organisations are let go of at Xero (DELETE /connections/{id}),
   * except those another connection here is connected to or may pick. Xero not answering changes nothing
   * (IdentityError `unavailable`).
   */
  async pick(connectionId: string, tenantId: string, by: string): Promise<Picked | PickRefusal> {
    const row = await this.store.connection(this.pool, connectionId);
    if (row?.status !== 'choosing' || !row.candidates || !row.choiceExpiresAt || row.disconnectedBy) {
      return { refused: 'not_choosing', message: `connection ${connectionId} is not waiting for an organisation to be picked: connect to Xero again` };
    }
    if (choiceExpired(row.choiceExpiresAt, new Date())) {
      await this.endChoice(connectionId, row.choiceExpiresAt, LAPSED);
      return { refused: 'not_choosing', message: `the choice of organisation lapsed (${LAPSED}): connect to Xero again` };
    }
    const chosen = candidateOf(row.candidates, tenantId);
    if (!chosen) {
      return {
        refused: 'not_offered',
        message: `tenantId ${tenantId} is not one of the organisations the consent gave: ${row.candidates.map((c) => `${c.tenantName} (${c.tenantId})`).join(', ')}`,
      };
    }
    let access: string;
    let reachable: boolean;
    try {
      access = await this.tokens.accessTokenWhileChoosing(connectionId);
      reachable = (await this.identity.connections(access)).some((e) => e.tenantId === chosen.tenantId);
    } catch (err) {
      if (err instanceof ConnectionLostError || (err instanceof IdentityError && err.kind !== 'unavailable')) {
        const why = err instanceof ConnectionLostError ? err.reason : err.message;
        await this.endChoice(connectionId, row.choiceExpiresAt, `Xero no longer accepts the consent (${why}): connect again`);
        return { refused: 'gone', message: `Xero no longer accepts the consent (${why}): connect to Xero again` };
      }
      throw new IdentityError('unavailable', `Xero did not answer, so no organisation was picked: try again (${(err as Error).message})`);
    }
    if (!reachable) {
      return { refused: 'gone', message: `Xero no longer gives access to ${chosen.tenantName || chosen.tenantId} with this consent: connect to Xero again` };
    }
    // The tokens as stored now (getting the access token may have rotated them), under the lock that decides.
    const done = await this.connectTo(
      connectionId,
      row.grantType,
      chosen,
      async (tx) => {
        const now = await this.store.connection(tx, connectionId, true);
        const same = now?.status === 'choosing' && !now.disconnectedBy && now.choiceExpiresAt?.getTime() === row.choiceExpiresAt!.getTime();
        return same && now.accessToken && now.accessExpiresAt
          ? { accessToken: now.accessToken, accessExpiresAt: now.accessExpiresAt, refreshToken: now.refreshToken }
          : undefined;
      },
      by,
    );
    if (!done) {
      return {
        refused: 'not_choosing',
        message: `connection ${connectionId} is not waiting for an organisation to be picked any more (picked, disconnected or connected again meanwhile)`,
      };
    }
    const { remove, keep } = notPicked(row.candidates, chosen.tenantId, await this.store.tenantsConnectedExcept(this.pool, connectionId));
    const released: string[] = [];
    for (const c of remove) {
      // Best effort: the pick stands; an entry left at Xero is access unused, said in the log for someone to remove in Xero.
      await this.identity
        .disconnect(access, c.id)
        .then(() => released.push(c.tenantName || c.tenantId))
        .catch((err: Error) =>
          this.logger.warn('xero organisation not picked was left connected at Xero', { connectionId, xeroTenantId: c.tenantId, reason: err.message }),
        );
    }
    this.logger.info('xero organisation picked', { connectionId, by, xeroTenantId: chosen.tenantId, released, keptForOthers: keep.map((c) => c.tenantId) });
    return { xeroTenantId: chosen.tenantId, tenantName: chosen.tenantName, released, keptForOthers: keep.map((c) => c.tenantName || c.tenantId) };
  }

  /** Choices that lapsed unpicked (the upkeep asks): ended like a lost consent, their tokens dropped. */
  async endLapsedChoices(): Promise<void> {
    for (const connectionId of await this.store.lapsedChoices(this.pool)) {
      const row = await this.store.connection(this.pool, connectionId);
      if (row?.choiceExpiresAt) await this.endChoice(connectionId, row.choiceExpiresAt, LAPSED);
    }
  }

  /**
   * The choice ends unpicked (disconnected by `by`, or lapsed), told once (`disconnected` or `not_connected`, with
   * why); the documents waiting counted, or undefined when it was not that choice any more.
   */
  private async endChoice(connectionId: string, choiceExpiresAt: Date, reason: string, by: string | null = null): Promise<number | undefined> {
    const waitingDocuments = await this.transact(async (tx) => {
      await this.store.lockConnection(tx, connectionId);
      if (!(await this.store.endChoice(tx, connectionId, by, reason, choiceExpiresAt))) return undefined;
      const state = connectionState(await this.store.connection(tx, connectionId), this.o.grant);
      await this.outbox.append(tx, connectionStream(connectionId), [connectionChangedEvent(connectionId, by ? 'disconnected' : 'not_connected', state)]);
      return this.store.pendingCount(tx, connectionId);
    });
    if (waitingDocuments !== undefined) {
      this.tokens.forget(connectionId);
      this.logger.info(by ? 'xero choice of organisation disconnected' : 'xero choice of organisation ended unpicked', {
        connectionId,
        by,
        reason,
        waitingDocuments,
      });
    }
    return waitingDocuments;
  }

  /**
   * A disconnection's step at Xero, the connection already marked: Xero not answering clears the mark and changes
   * nothing (IdentityError `unavailable`: press again).
   */
  private async atXeroOrUnmark<T>(connectionId: string, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      await this.store.clearDisconnecting(this.pool, connectionId);
      if ((err instanceof IdentityError && err.kind === 'unavailable') || err instanceof XeroCallError) {
        throw new IdentityError('unavailable', `Xero did not answer, so nothing was disconnected: try again (${(err as Error).message})`);
      }
      throw err;
    }
  }

  /**
   * The consent revoked at Xero when `revoke` says nothing it still reaches is another connection's, and the row is
   * still the one this press marked (`same`, and marked by `by`): read after the Xero step, as getting an access token
   * may have rotated the refresh token. A failed revocation is logged, not retried. Returns the token revoked, if any.
   */
  private async revokeIfStillMarked(connectionId: string, by: string, revoke: boolean, same: (now: ConnectionRow) => boolean): Promise<string | null> {
    const now = await this.store.connection(this.pool, connectionId);
    const refresh = revoke && now && now.disconnectedBy === by && same(now) ? this.tokens.refreshTokenOf(now) : null;
    if (refresh) {
      await this.identity
        .revoke(refresh)
        .catch((err: Error) => this.logger.warn('xero consent not revoked after the disconnection', { connectionId, reason: err.message }));
    }
    return refresh;
  }

  /**
   * "Disconnect" while the connection waits for a choice: as for a connected one (marked first, so a pick meanwhile
   * is refused; Xero not answering changes nothing), every organisation of the consent is let go of at Xero but those
   * another connection here uses or may pick, the consent revoked when nothing it still reaches is another's, and the
   * tokens and the choice dropped.
   */
  private async disconnectChoice(before: ConnectionRow, by: string): Promise<Disconnected | 'not_connected'> {
    const connectionId = before.connectionId;
    if (!before.choiceExpiresAt || !(await this.store.markChoiceDisconnecting(this.pool, connectionId, by, before.choiceExpiresAt))) return 'not_connected';
    const { atXero, revoke } = await this.atXeroOrUnmark(connectionId, () => this.releaseChoiceAtXero(before));
    // Still this choice, marked by this press: a new consent that came meanwhile (it clears the mark) is not revoked.
    const expires = before.choiceExpiresAt.getTime();
    const refresh = await this.revokeIfStillMarked(connectionId, by, revoke, (now) => now.status === 'choosing' && now.choiceExpiresAt?.getTime() === expires);
    const waitingDocuments = await this.endChoice(connectionId, before.choiceExpiresAt, `disconnected in the Integration Center by ${by}`, by);
    if (waitingDocuments === undefined) return 'not_connected';
    this.logger.info('xero disconnected in the Integration Center: documents wait for a connection', {
      connectionId,
      by,
      xeroTenantId: null,
      atXero,
      revoked: Boolean(refresh),
      waitingDocuments,
    });
    return { xeroTenantId: null, tenantName: null, atXero, waitingDocuments };
  }

  /** The consent's organisations let go of at Xero (none picked), and whether revoking it can touch nothing another connection here uses. */
  private async releaseChoiceAtXero(c: ConnectionRow): Promise<{ atXero: Disconnected['atXero']; revoke: boolean }> {
    let access: string;
    try {
      access = await this.tokens.accessTokenWhileChoosing(c.connectionId);
    } catch (err) {
      if (err instanceof ConnectionLostError) return { atXero: 'gone_already', revoke: false };
      throw err;
    }
    try {
      const list = await this.identity.connections(access);
      const usedByOthers = await this.store.tenantsConnectedExcept(this.pool, c.connectionId);
      const { remove, keep } = notPicked(c.candidates ?? [], null, usedByOthers);
      const live = new Set(list.map((e) => e.id));
      const removed = new Set<string>();
      for (const e of remove) if (live.has(e.id) && (await this.identity.disconnect(access, e.id))) removed.add(e.id);
      const atXero: Disconnected['atXero'] = removed.size ? 'disconnected' : keep.length ? 'kept_for_others' : 'gone_already';
      return { atXero, revoke: list.filter((e) => !removed.has(e.id)).every((e) => !usedByOthers.has(e.tenantId)) };
    } catch (err) {
      if (err instanceof IdentityError && err.kind !== 'unavailable') return { atXero: 'gone_already', revoke: false };
      throw err;
    }
  }

  /**
   * "Disconnect" pressed in the Integration Center. The row is marked first (`disconnected_by`, still
   * connected), so a call failing meanwhile is not told as a loss and a second press is refused. Then, at Xero:
   * this consent's entry of the organisation is removed (DELETE /connections/{id}), unless another connection
   * here is connected to the same organisation (Xero keeps one entry per user and organisation: it is theirs
   * too); the refresh token is revoked only when what the token still reaches is no other connection's organisation,
   * since Xero's revocation ends every connection the same user gave the app (another brand's included). Then the tokens are dropped and
   * XeroConnectionChanged (`disconnected`, `by`) tells who did it; documents wait until someone connects again.
   * Xero not answering clears the mark and changes nothing (IdentityError `unavailable`: press again); a
   * consent already gone at Xero (revoked from inside Xero) is disconnected here all the same.
   */
  async disconnect(connectionId: string, by: string): Promise<Disconnected | 'not_connected' | 'custom_connection'> {
    // Waiting for a choice is disconnected too: the consent it holds is revoked as any other.
    const before = await this.store.connection(this.pool, connectionId);
    if (before?.status === 'connected' && before.grantType === 'client_credentials') return 'custom_connection';
    if (before?.status === 'choosing') return this.disconnectChoice(before, by);
    if (!before?.connectedAt || !(await this.store.markDisconnecting(this.pool, connectionId, by, before.connectedAt))) return 'not_connected';
    const { atXero, revoke } = await this.atXeroOrUnmark(connectionId, () => this.disconnectAtXero(before));
    // Still the connection this press marked: a new consent that came meanwhile (it clears the mark) is not revoked.
    // Disconnected at Xero already, a consent not revoked reaches nothing, and Xero ends it after 60 days unused.
    const connectedAt = before.connectedAt.getTime();
    const refresh = await this.revokeIfStillMarked(connectionId, by, revoke, (now) => now.connectedAt?.getTime() === connectedAt);
    const reason = `disconnected in the Integration Center by ${by}`;
    const waitingDocuments = await this.transact(async (tx) => {
      await this.store.lockConnection(tx, connectionId);
      if (!(await this.store.markDisconnectedBy(tx, connectionId, by, reason, before.connectedAt!))) return undefined;
      const state = connectionState(await this.store.connection(tx, connectionId), this.o.grant);
      await this.outbox.append(tx, connectionStream(connectionId), [connectionChangedEvent(connectionId, 'disconnected', state)]);
      return this.store.pendingCount(tx, connectionId);
    });
    // Connected again meanwhile (another consent): that connection stands.
    if (waitingDocuments === undefined) return 'not_connected';
    this.tokens.forget(connectionId);
    // A deliberate disconnection is not an outage: no series left at 0 for the "connection lost" alert.
    if (before.xeroTenantId) this.metrics.connectionUp.remove({ connection: connectionId, tenant: before.xeroTenantId });
    this.logger.info('xero disconnected in the Integration Center: documents wait for a connection', {
      connectionId,
      by,
      xeroTenantId: before.xeroTenantId,
      atXero,
      revoked: Boolean(refresh),
      waitingDocuments,
    });
    return { xeroTenantId: before.xeroTenantId, tenantName: before.tenantName, atXero, waitingDocuments };
  }

  /**
   * The DELETE at Xero, and whether revoking the refresh token can touch nothing another connection here uses:
   * what the token still reaches after the DELETE (other organisations of the same consent, or of the same Xero
   * user) may be another brand's.
   */
  private async disconnectAtXero(c: ConnectionRow): Promise<{ atXero: Disconnected['atXero']; revoke: boolean }> {
    let access: string;
    try {
      access = await this.tokens.accessToken(c.connectionId);
    } catch (err) {
      // The consent is gone already (refused refresh token): Xero no longer lets the app in, which is what was asked.
      if (err instanceof ConnectionLostError) return { atXero: 'gone_already', revoke: false };
      throw err;
    }
    try {
      const list = await this.identity.connections(access);
      const ours = list.filter((e) => e.tenantId === c.xeroTenantId);
      const entry = ours.find((e) => e.authEventId === authEventIdOf(access)) ?? ours[0];
      const usedByOthers = await this.store.tenantsConnectedExcept(this.pool, c.connectionId);
      let atXero: Disconnected['atXero'] = 'gone_already';
      if (entry && c.xeroTenantId && usedByOthers.has(c.xeroTenantId)) atXero = 'kept_for_others';
      else if (entry) atXero = (await this.identity.disconnect(access, entry.id)) ? 'disconnected' : 'gone_already';
      const left = list.filter((e) => !(atXero === 'disconnected' && e.id === entry?.id));
      return { atXero, revoke: left.every((e) => !usedByOthers.has(e.tenantId)) };
    } catch (err) {
      if (err instanceof IdentityError && err.kind !== 'unavailable') return { atXero: 'gone_already', revoke: false };
      throw err;
    }
  }

  /**
   * The connection is gone (invalid_grant, consent revoked): marked disconnected once, and in the same
   * transaction one XeroConnectionLost with the number of waiting documents and XeroConnectionChanged. The
   * documents themselves get no event: nothing failed, they wait, and the monitor shows them waiting from
   * the connection's state. A connection still not connected is told again only for a new reason.
   */
  async lost(connectionId: string, loss: Loss): Promise<void> {
    const announced = await this.transact(async (tx) => {
      await this.store.lockConnection(tx, connectionId);
      const row = await this.store.connection(tx, connectionId);
      // Someone is disconnecting it, or did, on purpose: a call failing meanwhile or after is no news.
      if (row?.disconnectedBy) return undefined;
      const changed = await this.store.markDisconnected(tx, connectionId, row?.grantType ?? this.o.grant, loss.reason);
      if (!changed) {
        if (row?.reason !== loss.reason) {
          const state = connectionState(await this.store.connection(tx, connectionId), this.o.grant);
          await this.outbox.append(tx, connectionStream(connectionId), [connectionChangedEvent(connectionId, 'not_connected', state, loss.code)]);
        }
        return undefined;
      }
      const waitingDocuments = await this.store.pendingCount(tx, connectionId);
      const events: EventEnvelope[] = [];
      // A connected row always names its organisation; without one there is nothing the monitor could show.
      if (row?.xeroTenantId) {
        events.push(
          connectionLostEvent(connectionId, {
            xeroTenantId: row.xeroTenantId,
            tenantName: row.tenantName ?? undefined,
            reason: loss.reason,
            code: loss.code,
            waitingDocuments,
          }),
        );
      }
      events.push(connectionChangedEvent(connectionId, 'lost', connectionState(await this.store.connection(tx, connectionId), this.o.grant), loss.code));
      await this.outbox.append(tx, connectionStream(connectionId), events);
      return { tenant: row?.xeroTenantId, waitingDocuments };
    });
    this.tokens.forget(connectionId);
    if (!announced) return;
    if (announced.tenant) this.metrics.connectionUp.set({ connection: connectionId, tenant: announced.tenant }, 0);
    this.logger.warn('xero connection lost: documents wait for a reconnection', {
      connectionId,
      reason: loss.reason,
      code: loss.code,
      waitingDocuments: announced.waitingDocuments,
    });
  }
}
