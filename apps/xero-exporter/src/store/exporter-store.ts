// SQL over the exporter's tables. Every method takes the connection to run on, so callers decide what
// shares a transaction (a document's outcome, its events and its pending row go together).
import type { ConnectionStatus, DocumentMapped } from '@lnbx/contracts';
import type { DocumentRef } from '../domain/events';
import type { Candidate } from '../domain/organisation-choice';
import type { ClientBase, Pool } from 'pg';
import { SCHEMA } from './schema';

export type Db = Pool | ClientBase;
/** Runs `fn` in one transaction (the event store's, so events and rows commit together). */
export type Transact = <T>(fn: (tx: ClientBase) => Promise<T>) => Promise<T>;
/** The Transact provider (the event store's withTransaction). */
export const TRANSACT = Symbol('TRANSACT');
export type GrantType = 'client_credentials' | 'authorization_code';

export interface ConnectionRow {
  connectionId: string;
  grantType: GrantType;
  /** `choosing`: a consent gave several organisations and none is connected until an operator picks one. */
  status: 'connected' | 'disconnected' | 'choosing';
  reason: string | null;
  xeroTenantId: string | null;
  tenantName: string | null;
  shortCode: string | null;
  accessToken: string | null;
  accessExpiresAt: Date | null;
  refreshToken: string | null;
  pausedUntil: Date | null;
  pauseReason: string | null;
  /** The connection as monitor-api says (`connections()` only): paused or removed, nothing of it is sent. */
  activity?: ConnectionStatus;
  referencePublishedAt: Date | null;
  connectedAt: Date | null;
  /** Who disconnected it in the Integration Center; null unless that is why it is not connected. */
  disconnectedBy: string | null;
  /** While choosing: the organisations offered; null otherwise. */
  candidates: Candidate[] | null;
  /** While choosing: when the choice lapses with the consent's refresh token. */
  choiceExpiresAt: Date | null;
  /** Who picked the organisation it is connected to, when a consent gave several. */
  chosenBy: string | null;
  updatedAt: Date;
}

/** The sealed tokens of a consent, as stored. */
export interface SealedTokens {
  accessToken: string;
  accessExpiresAt: Date;
  refreshToken: string | null;
}

export interface PendingRow extends DocumentRef {
  value: DocumentMapped.Value;
  attempts: number;
  nextAttemptAt: Date;
  enqueuedAt: Date;
  lastError: string | null;
}

export type FollowupKind = 'attach';

export interface FollowupRow extends DocumentRef {
  id: string;
  kind: FollowupKind;
  xeroId: string;
  number: string;
  data: Record<string, unknown>;
  attempts: number;
}

/** A credit note's allocation to its invoice (see domain/allocation.ts). */
export interface AllocationRow extends DocumentRef {
  creditNoteXeroId: string;
  creditNoteNumber: string;
  invoiceNumber: string;
  creditNoteDate: string | null;
  state: 'waiting' | 'allocated' | 'not_possible';
  /** The last thing said of it (null: nothing yet). */
  message: string | null;
  checks: number;
  nextCheckAt: Date;
}

type Row = Record<string, unknown>;

/**
 * A row with its columns in camelCase (pg already gives timestamptz as Date and int as number);
 * `convert` fixes the few that pg leaves as text (numeric, bigint).
 */
function fromRow<T>(r: Row, convert: Record<string, (v: unknown) => unknown> = {}): T {
  const out: Row = {};
  for (const [column, v] of Object.entries(r)) {
    const field = column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    out[field] = convert[field] ? convert[field](v) : v;
  }
  return out as T;
}

const toConnection = (r: Row): ConnectionRow => fromRow(r);
const toPending = (r: Row): PendingRow => fromRow(r);
const toFollowup = (r: Row): FollowupRow => fromRow(r, { id: String });
const toAllocation = (r: Row): AllocationRow => fromRow(r);

const S = SCHEMA;

export class ExporterStore {
  constructor(readonly pool: Pool) {}

  // ---------- connections ----------

  async connection(db: Db, connectionId: string, forUpdate = false): Promise<ConnectionRow | undefined> {
    const { rows } = await db.query(`select * from ${S}.connections where connection_id = $1 ${forUpdate ? 'for update' : ''}`, [connectionId]);
    return rows[0] ? toConnection(rows[0]) : undefined;
  }

  /**
   * Serialises, for the rest of the transaction, whatever changes a connection and tells it
   * (XeroConnectionChanged), a connection without a row yet included: its states reach the stream in the
   * order they were stored.
   */
  async lockConnection(tx: ClientBase, connectionId: string): Promise<void> {
    await tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`${S}.connection:${connectionId}`]);
  }

  /** Every Xero connection, each with its connection's status as monitor-api last published it (active when never). */
  async connections(db: Db): Promise<ConnectionRow[]> {
    const { rows } = await db.query(
      `select c.*, coalesce(s.status, 'active') as activity from ${S}.connections c left join ${S}.connection_statuses s using (connection_id)
       order by connection_id`,
    );
    return rows.map(toConnection);
  }

  /**
   * Every connection the exporter has to look after, none removed: those with a Xero connection row, those
   * monitor-api published, and those with documents waiting (a connection never published counts as active).
   */
  async knownConnections(db: Db): Promise<string[]> {
    const { rows } = await db.query<{ connection_id: string }>(
      `select connection_id from (
         select connection_id from ${S}.connections
         union select connection_id from ${S}.connection_statuses
         union select distinct connection_id from ${S}.pending
       ) known
       where not exists (select 1 from ${S}.connection_statuses s where s.connection_id = known.connection_id and s.status = 'removed')
       order by connection_id`,
    );
    return rows.map((r) => r.connection_id);
  }

  async saveConnected(
    db: Db,
    c: {
      connectionId: string;
      grantType: GrantType;
      xeroTenantId: string;
      tenantName: string;
      accessToken: string;
      accessExpiresAt: Date;
      refreshToken: string | null;
      /** Who picked the organisation, when the consent gave several. */
      chosenBy?: string | null;
    },
  ): Promise<void> {
    await db.query(
      `insert into ${S}.connections as c (connection_id, grant_type, status, reason, xero_tenant_id, tenant_name, access_token, access_expires_at, refresh_token, connected_at, updated_at, paused_until, pause_reason, chosen_by)
       values ($1, $2, 'connected', null, $3, $4, $5, $6, $7, now(), now(), null, null, $8)
       on conflict (connection_id) do update set grant_type = excluded.grant_type, status = 'connected', reason = null, disconnected_by = null,
         chosen_by = excluded.chosen_by, candidates = null, choice_expires_at = null,
         short_code = case when c.xero_tenant_id = excluded.xero_tenant_id then c.short_code end,
         xero_tenant_id = excluded.xero_tenant_id, tenant_name = excluded.tenant_name, access_token = excluded.access_token,
         access_expires_at = excluded.access_expires_at, refresh_token = excluded.refresh_token, connected_at = now(), updated_at = now(),
         paused_until = null, pause_reason = null, reference_published_at = null`,
      [c.connectionId, c.grantType, c.xeroTenantId, c.tenantName, c.accessToken, c.accessExpiresAt, c.refreshToken, c.chosenBy ?? null],
    );
  }

  /**
   * A consent gave several organisations: the connection is connected to none of them (whatever it was connected
   * to before, nothing more is sent there) and keeps the consent's tokens and the organisations offered until one
   * is picked or the choice lapses.
   */
  async saveChoosing(db: Db, c: { connectionId: string; grantType: GrantType; candidates: Candidate[]; choiceExpiresAt: Date } & SealedTokens): Promise<void> {
    await db.query(
      `insert into ${S}.connections as c (connection_id, grant_type, status, access_token, access_expires_at, refresh_token, candidates, choice_expires_at)
       values ($1, $2, 'choosing', $3, $4, $5, $6, $7)
       on conflict (connection_id) do update set grant_type = excluded.grant_type, status = 'choosing', reason = null, disconnected_by = null,
         chosen_by = null, xero_tenant_id = null, tenant_name = null, short_code = null, access_token = excluded.access_token,
         access_expires_at = excluded.access_expires_at, refresh_token = excluded.refresh_token, candidates = excluded.candidates,
         choice_expires_at = excluded.choice_expires_at, updated_at = now(), paused_until = null, pause_reason = null, reference_published_at = null`,
      [c.connectionId, c.grantType, c.accessToken, c.accessExpiresAt, c.refreshToken, JSON.stringify(c.candidates), c.choiceExpiresAt],
    );
  }

  /** "Disconnect" of a connection that is choosing begins (see markDisconnecting): false when it is not that choice any more. */
  async markChoiceDisconnecting(db: Db, connectionId: string, by: string, choiceExpiresAt: Date): Promise<boolean> {
    const r = await db.query(
      `update ${S}.connections set disconnected_by = $2 where connection_id = $1 and status = 'choosing'
         and date_trunc('milliseconds', choice_expires_at) = $3 and disconnected_by is null`,
      [connectionId, by, choiceExpiresAt],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /**
   * A choice ends without a pick (disconnected by `by`, or lapsed: `by` null): the tokens and the organisations
   * offered are dropped. False when it is not that choice any more (picked, or replaced by a new consent).
   */
  async endChoice(db: Db, connectionId: string, by: string | null, reason: string, choiceExpiresAt: Date): Promise<boolean> {
    const r = await db.query(
      `update ${S}.connections set status = 'disconnected', reason = $3, disconnected_by = $2, access_token = null, access_expires_at = null,
         refresh_token = null, candidates = null, choice_expires_at = null, updated_at = now()
       where connection_id = $1 and status = 'choosing' and date_trunc('milliseconds', choice_expires_at) = $4`,
      [connectionId, by, reason, choiceExpiresAt],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** The connections whose choice of organisation has lapsed. */
  async lapsedChoices(db: Db): Promise<string[]> {
    const { rows } = await db.query<{ connection_id: string }>(
      `select connection_id from ${S}.connections where status = 'choosing' and choice_expires_at <= now() order by connection_id`,
    );
    return rows.map((r) => r.connection_id);
  }

  async saveTokens(db: Db, connectionId: string, accessToken: string, accessExpiresAt: Date, refreshToken: string | null): Promise<void> {
    await db.query(
      `update ${S}.connections set access_token = $2, access_expires_at = $3, refresh_token = coalesce($4, refresh_token), updated_at = now() where connection_id = $1`,
      [connectionId, accessToken, accessExpiresAt, refreshToken],
    );
  }

  async saveShortCode(db: Db, connectionId: string, shortCode: string | null): Promise<void> {
    await db.query(`update ${S}.connections set short_code = $2 where connection_id = $1`, [connectionId, shortCode]);
  }

  /** True only for the caller that changed it from connected (so the loss is announced once). */
  async markDisconnected(db: Db, connectionId: string, grantType: GrantType, reason: string): Promise<boolean> {
    // Under read committed a second caller waits for the first, then re-checks `status`: one winner.
    const changed = await db.query(
      `update ${S}.connections set status = 'disconnected', reason = $2, updated_at = now() where connection_id = $1 and status = 'connected'`,
      [connectionId, reason],
    );
    if (changed.rowCount) return true;
    await db.query(
      `insert into ${S}.connections as c (connection_id, grant_type, status, reason) values ($1, $2, 'disconnected', $3)
       on conflict (connection_id) do update set reason = $3, updated_at = now() where c.status = 'disconnected'`,
      [connectionId, grantType, reason],
    );
    return false;
  }

  /**
   * "Disconnect" begins: marked on the connection as it is (still connected, the same connection as read), so no
   * loss is told meanwhile and a second press finds it taken. False when it is not that connection any more.
   */
  async markDisconnecting(db: Db, connectionId: string, by: string, connectedAt: Date): Promise<boolean> {
    const r = await db.query(
      `update ${S}.connections set disconnected_by = $2 where connection_id = $1 and status = 'connected' and date_trunc('milliseconds', connected_at) = $3 and disconnected_by is null`,
      [connectionId, by, connectedAt],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** Xero did not answer: the connection stays as it was. Without an id: every mark an instance left when it stopped mid-way. */
  async clearDisconnecting(db: Db, connectionId?: string): Promise<void> {
    await db.query(
      `update ${S}.connections set disconnected_by = null where ($1::text is null or connection_id = $1) and status in ('connected', 'choosing')`,
      [connectionId ?? null],
    );
  }

  /**
   * Disconnected on purpose: its tokens, revoked or no longer of use at Xero, are dropped; the organisation stays
   * named, as the one it was connected to. False when a new connection replaced the one being disconnected.
   */
  async markDisconnectedBy(db: Db, connectionId: string, by: string, reason: string, connectedAt: Date): Promise<boolean> {
    const r = await db.query(
      `update ${S}.connections set status = 'disconnected', reason = $3, disconnected_by = $2, access_token = null, access_expires_at = null,
         refresh_token = null, updated_at = now() where connection_id = $1 and status = 'connected' and date_trunc('milliseconds', connected_at) = $4`,
      [connectionId, by, reason, connectedAt],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** The organisations the other connections are connected to now, and those they may still pick. */
  async tenantsConnectedExcept(db: Db, connectionId: string): Promise<Set<string>> {
    const { rows } = await db.query<{ t: string }>(
      `select xero_tenant_id as t from ${S}.connections where connection_id <> $1 and status = 'connected' and xero_tenant_id is not null
       union select o->>'tenantId' from ${S}.connections, jsonb_array_elements(candidates) o where connection_id <> $1 and status = 'choosing'`,
      [connectionId],
    );
    return new Set(rows.map((r) => r.t));
  }

  /**
   * A long pause of an organisation (its day limit): stored on every connection to it, since Xero counts an
   * organisation's calls whichever connection makes them.
   */
  async setPause(db: Db, xeroTenantId: string, until: Date | null, reason: string | null): Promise<void> {
    await db.query(
      `update ${S}.connections set paused_until = $2, pause_reason = $3
       where xero_tenant_id = $1 and (paused_until is null or $2::timestamptz is null or paused_until < $2)`,
      [xeroTenantId, until, reason],
    );
  }

  /**
   * Claims the reference-data refresh when it is due, so one instance publishes it: false when not
   * due (or not connected), else the previous time (to put back if the publishing fails).
   */
  async claimReferenceRefresh(tx: ClientBase, connectionId: string, everyMinutes: number): Promise<Date | null | false> {
    const { rows } = await tx.query(
      `select status, reference_published_at, (reference_published_at is null or reference_published_at < now() - make_interval(mins => $2::int)) as due
       from ${S}.connections where connection_id = $1 for update`,
      [connectionId, everyMinutes],
    );
    if (!rows[0] || rows[0].status !== 'connected' || !rows[0].due) return false;
    await tx.query(`update ${S}.connections set reference_published_at = now() where connection_id = $1`, [connectionId]);
    return (rows[0].reference_published_at as Date | null) ?? null;
  }

  async restoreReferenceClaim(db: Db, connectionId: string, before: Date | null): Promise<void> {
    await db.query(`update ${S}.connections set reference_published_at = $2 where connection_id = $1`, [connectionId, before]);
  }

  // ---------- rate slots ----------

  async ensureSlots(db: Db, xeroTenantId: string, count: number): Promise<void> {
    await db.query(`insert into ${S}.rate_slots (xero_tenant_id, slot) select $1, g from generate_series(1, $2::int) g on conflict do nothing`, [
      xeroTenantId,
      count,
    ]);
  }

  /** Locks a free slot for the rest of the transaction, or undefined when all are taken. */
  async lockSlot(tx: ClientBase, xeroTenantId: string, count: number): Promise<number | undefined> {
    const { rows } = await tx.query(`select slot from ${S}.rate_slots where xero_tenant_id = $1 and slot <= $2 order by slot limit 1 for update skip locked`, [
      xeroTenantId,
      count,
    ]);
    return rows[0]?.slot;
  }

  // ---------- pending ----------

  /** Documents waiting for Xero, one row each (a document named twice: its last). */
  async upsertPending(db: Db, waiting: Omit<PendingRow, 'attempts' | 'nextAttemptAt' | 'enqueuedAt' | 'lastError'>[]): Promise<void> {
    const last = [...new Map(waiting.map((p) => [p.documentKey, p])).values()];
    if (!last.length) return;
    // A newer revision replaces the one still waiting: only the latest LNB content goes to Xero. Enqueued in the order given.
    await db.query(
      `insert into ${S}.pending (document_key, connection_id, doc_type, revision, run_id, correlation_id, causation_id, value)
       select p.document_key, p.connection_id, p.doc_type, p.revision, p.run_id, p.correlation_id, p.causation_id, p.value
       from rows from (jsonb_to_recordset($1::jsonb) as (document_key text, connection_id text, doc_type text, revision text, run_id text,
         correlation_id text, causation_id text, value jsonb)) with ordinality as p(document_key, connection_id, doc_type, revision, run_id,
         correlation_id, causation_id, value, ord)
       order by p.ord
       on conflict (document_key) do update set connection_id = excluded.connection_id, doc_type = excluded.doc_type,
         revision = excluded.revision, run_id = excluded.run_id, correlation_id = excluded.correlation_id,
         causation_id = excluded.causation_id, value = excluded.value, attempts = 0, next_attempt_at = now(), last_error = null`,
      [
        JSON.stringify(
          last.map((p) => ({
            document_key: p.documentKey,
            connection_id: p.connectionId,
            doc_type: p.docType,
            revision: p.revision,
            run_id: p.runId,
            correlation_id: p.correlationId,
            causation_id: p.causationId,
            value: p.value,
          })),
        ),
      ],
    );
  }

  /**
   * Locks up to `limit` documents of one type that are due, oldest first, skipping those another
   * sender holds: two exporter instances never send the same document at once.
   */
  async claimBatch(tx: ClientBase, connectionId: string, limit: number): Promise<PendingRow[]> {
    const { rows } = await tx.query(
      `select p.* from ${S}.pending p
       where p.connection_id = $1 and p.next_attempt_at <= now()
         and p.doc_type = (select doc_type from ${S}.pending where connection_id = $1 and next_attempt_at <= now()
                           order by enqueued_at limit 1)
       order by p.enqueued_at
       limit $2
       for update of p skip locked`,
      [connectionId, limit],
    );
    return rows.map(toPending);
  }

  /** Waits for a sender holding the document's pending row (the intake's lock_timeout bounds the wait). */
  /** Holds the documents' waiting rows (those that exist), in one order whoever asks. */
  async lockPending(tx: ClientBase, keys: string[]): Promise<void> {
    if (keys.length) await tx.query(`select 1 from ${S}.pending where document_key = any($1) order by document_key for update`, [keys]);
  }

  /** Which of these connections have documents due now (a sender could claim them): one index probe each. */
  async connectionsWithDueWork(db: Db, connectionIds: readonly string[]): Promise<Set<string>> {
    if (!connectionIds.length) return new Set();
    const { rows } = await db.query<{ connection_id: string }>(
      `select c as connection_id from unnest($1::text[]) c
        where exists (select 1 from ${S}.pending p where p.connection_id = c and p.next_attempt_at <= now())`,
      [connectionIds],
    );
    return new Set(rows.map((r) => r.connection_id));
  }

  async pendingCount(db: Db, connectionId: string): Promise<number> {
    const { rows } = await db.query(`select count(*)::int as n from ${S}.pending where connection_id = $1`, [connectionId]);
    return rows[0].n;
  }

  async deletePending(db: Db, keys: string[]): Promise<void> {
    if (keys.length) await db.query(`delete from ${S}.pending where document_key = any($1)`, [keys]);
  }

  async reschedule(db: Db, key: string, attempts: number, delayMs: number, lastError: string | null): Promise<void> {
    await db.query(
      `update ${S}.pending set attempts = $2, next_attempt_at = now() + make_interval(secs => $3::float8 / 1000), last_error = $4 where document_key = $1`,
      [key, attempts, Math.max(0, delayMs), lastError],
    );
  }

  // ---------- contacts ----------

  async cachedContacts(db: Db, xeroTenantId: string, numbers: string[]): Promise<Map<string, string>> {
    const { rows } = await db.query(`select contact_number, contact_id from ${S}.contacts where xero_tenant_id = $1 and contact_number = any($2)`, [
      xeroTenantId,
      numbers,
    ]);
    return new Map(rows.map((r) => [r.contact_number as string, r.contact_id as string]));
  }

  async saveContact(db: Db, xeroTenantId: string, contactNumber: string, contactId: string, name: string): Promise<void> {
    await db.query(
      `insert into ${S}.contacts (xero_tenant_id, contact_number, contact_id, name) values ($1, $2, $3, $4)
       on conflict (xero_tenant_id, contact_number) do update set contact_id = excluded.contact_id, name = excluded.name, updated_at = now()`,
      [xeroTenantId, contactNumber, contactId, name],
    );
  }

  async forgetContacts(db: Db, xeroTenantId: string, contactNumbers: string[]): Promise<void> {
    if (contactNumbers.length)
      await db.query(`delete from ${S}.contacts where xero_tenant_id = $1 and contact_number = any($2)`, [xeroTenantId, contactNumbers]);
  }

  // ---------- follow-ups ----------

  async addFollowup(db: Db, f: Omit<FollowupRow, 'id' | 'attempts'>): Promise<void> {
    await db.query(
      `insert into ${S}.followups (document_key, connection_id, kind, doc_type, revision, run_id, correlation_id, causation_id, xero_id, number, data)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict (document_key, kind, revision) do nothing`,
      [f.documentKey, f.connectionId, f.kind, f.docType, f.revision, f.runId, f.correlationId, f.causationId, f.xeroId, f.number, JSON.stringify(f.data)],
    );
  }

  async claimFollowup(tx: ClientBase, connectionId: string): Promise<FollowupRow | undefined> {
    const { rows } = await tx.query(
      `select * from ${S}.followups where connection_id = $1 and next_attempt_at <= now() order by next_attempt_at, id limit 1 for update skip locked`,
      [connectionId],
    );
    return rows[0] ? toFollowup(rows[0]) : undefined;
  }

  async deleteFollowup(db: Db, id: string): Promise<void> {
    await db.query(`delete from ${S}.followups where id = $1`, [id]);
  }

  async retryFollowup(db: Db, id: string, attempts: number, delayMs: number): Promise<void> {
    await db.query(`update ${S}.followups set attempts = $2, next_attempt_at = now() + make_interval(secs => $3::float8 / 1000) where id = $1`, [
      id,
      attempts,
      delayMs,
    ]);
  }

  // ---------- allocations ----------

  /** A credit note's allocation asked for afresh (a new export): looked at at once, its looks counted from zero. */
  async allocationDueAfresh(db: Db, documentKey: string): Promise<void> {
    await db.query(`update ${S}.allocations set checks = 0, next_check_at = now() where document_key = $1`, [documentKey]);
  }

  /** Waiting allocations due for a look, oldest due first; rows another instance is checking are skipped. */
  async claimAllocations(tx: ClientBase, connectionId: string, limit: number): Promise<AllocationRow[]> {
    const { rows } = await tx.query(
      `select *, 'credit_note' as doc_type from ${S}.allocations where connection_id = $1 and state = 'waiting' and next_check_at <= now()
       order by next_check_at, document_key limit $2 for update skip locked`,
      [connectionId, limit],
    );
    return rows.map(toAllocation);
  }

  /** When an allocation is looked at next (its state is the document's, projected from its stream). */
  async scheduleAllocation(db: Db, documentKey: string, checks: number, delayMs: number): Promise<void> {
    await db.query(`update ${S}.allocations set checks = $2, next_check_at = now() + make_interval(secs => $3::float8 / 1000) where document_key = $1`, [
      documentKey,
      checks,
      delayMs,
    ]);
  }

  /** Puts off a look without counting it (Xero asked us to slow down). */
  async postponeAllocations(db: Db, documentKeys: string[], delayMs: number): Promise<void> {
    await db.query(`update ${S}.allocations set next_check_at = now() + make_interval(secs => $2::float8 / 1000) where document_key = any($1)`, [
      documentKeys,
      delayMs,
    ]);
  }

  /**
   * Allocations waiting for this invoice look again now (it has just reached Xero). Every waiting row is
   * touched, due or not: one being checked at this moment (claimed, its look-up made before the invoice
   * arrived) is waited for, and made due after its check has scheduled it for later. Skipping due rows lost
   * that wake-up: the check, blind to the invoice, put the allocation off by a whole recheck interval.
   */
  async allocationsForInvoiceDue(db: Db, connectionId: string, invoiceNumbers: string[]): Promise<number> {
    if (!invoiceNumbers.length) return 0;
    const { rowCount } = await db.query(
      `update ${S}.allocations set next_check_at = now() where connection_id = $1 and state = 'waiting' and upper(invoice_number) = any($2)`,
      [connectionId, invoiceNumbers.map((n) => n.toUpperCase())],
    );
    return rowCount ?? 0;
  }

  /**
   * "Check allocations now": the connection's waiting allocations are due at once, or only the credit notes
   * named (document keys) that are not allocated (those found not possible are re-opened first, on their streams).
   */
  async allocationsDueNow(db: Db, connectionId: string, documentKeys?: string[]): Promise<number> {
    const { rowCount } = documentKeys?.length
      ? await db.query(`update ${S}.allocations set next_check_at = now() where connection_id = $1 and document_key = any($2) and state <> 'allocated'`, [
          connectionId,
          documentKeys,
        ])
      : await db.query(`update ${S}.allocations set next_check_at = now() where connection_id = $1 and state = 'waiting'`, [connectionId]);
    return rowCount ?? 0;
  }

  /** The credit notes named that were found not possible (to re-open: their streams decide). */
  async allocationsNotPossible(db: Db, connectionId: string, documentKeys: string[]): Promise<string[]> {
    const { rows } = await db.query(
      `select document_key from ${S}.allocations where connection_id = $1 and document_key = any($2) and state = 'not_possible' order by document_key`,
      [connectionId, documentKeys],
    );
    return rows.map((r) => r.document_key as string);
  }

  async allocation(db: Db, documentKey: string): Promise<AllocationRow | undefined> {
    const { rows } = await db.query(`select *, 'credit_note' as doc_type from ${S}.allocations where document_key = $1`, [documentKey]);
    return rows[0] ? toAllocation(rows[0]) : undefined;
  }
}
