// SQL over the exporter's tables. Every method takes the connection to run on, so callers decide what
// shares a transaction (a document's outcome, its events and its pending row go together).
import type { DocumentMapped, DocumentType } from '@lnbx/contracts';
import type { DocumentRef } from '../domain/events';
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
  status: 'connected' | 'disconnected';
  reason: string | null;
  xeroTenantId: string | null;
  tenantName: string | null;
  shortCode: string | null;
  accessToken: string | null;
  accessExpiresAt: Date | null;
  refreshToken: string | null;
  pausedUntil: Date | null;
  pauseReason: string | null;
  referencePublishedAt: Date | null;
  connectedAt: Date | null;
  updatedAt: Date;
}

export interface PendingRow extends DocumentRef {
  value: DocumentMapped.Value;
  attempts: number;
  nextAttemptAt: Date;
  enqueuedAt: Date;
  lastError: string | null;
}

export interface DocumentRow {
  documentKey: string;
  connectionId: string;
  docType: DocumentType;
  xeroTenantId: string | null;
  xeroId: string | null;
  number: string | null;
  revision: string | null;
  status: string | null;
  subTotal: number | null;
  totalTax: number | null;
  total: number | null;
  url: string | null;
  needsLookup: boolean;
}

export interface ExportedFacts {
  xeroTenantId: string;
  xeroId: string;
  number: string;
  revision: string;
  status: string;
  subTotal: number;
  totalTax: number;
  total: number;
  url: string;
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

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const toConnection = (r: Row): ConnectionRow => fromRow(r);
const toPending = (r: Row): PendingRow => fromRow(r);
const toDocument = (r: Row): DocumentRow => fromRow(r, { subTotal: numOrNull, totalTax: numOrNull, total: numOrNull });
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

  async connections(db: Db): Promise<ConnectionRow[]> {
    const { rows } = await db.query(`select * from ${S}.connections order by connection_id`);
    return rows.map(toConnection);
  }

  async saveConnected(db: Db, c: {
    connectionId: string; grantType: GrantType; xeroTenantId: string; tenantName: string;
    accessToken: string; accessExpiresAt: Date; refreshToken: string | null;
  }): Promise<void> {
    await db.query(
      `insert into ${S}.connections (connection_id, grant_type, status, reason, xero_tenant_id, tenant_name, access_token, access_expires_at, refresh_token, connected_at, updated_at, paused_until, pause_reason)
       values ($1, $2, 'connected', null, $3, $4, $5, $6, $7, now(), now(), null, null)
       on conflict (connection_id) do update set grant_type = excluded.grant_type, status = 'connected', reason = null,
         xero_tenant_id = excluded.xero_tenant_id, tenant_name = excluded.tenant_name, access_token = excluded.access_token,
         access_expires_at = excluded.access_expires_at, refresh_token = excluded.refresh_token, connected_at = now(), updated_at = now(),
         paused_until = null, pause_reason = null, reference_published_at = null`,
      [c.connectionId, c.grantType, c.xeroTenantId, c.tenantName, c.accessToken, c.accessExpiresAt, c.refreshToken],
    );
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

  async setPause(db: Db, connectionId: string, until: Date | null, reason: string | null): Promise<void> {
    await db.query(
      `update ${S}.connections set paused_until = $2, pause_reason = $3 where connection_id = $1 and (paused_until is null or $2::timestamptz is null or paused_until < $2)`,
      [connectionId, until, reason],
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

  async saveOAuthState(db: Db, state: string, connectionId: string, redirectUri: string): Promise<void> {
    await db.query(`delete from ${S}.oauth_states where created_at < now() - interval '1 hour'`);
    await db.query(`insert into ${S}.oauth_states (state, connection_id, redirect_uri) values ($1, $2, $3)`, [state, connectionId, redirectUri]);
  }

  async takeOAuthState(db: Db, state: string): Promise<{ connectionId: string; redirectUri: string } | undefined> {
    const { rows } = await db.query(
      `delete from ${S}.oauth_states where state = $1 and created_at > now() - interval '15 minutes' returning connection_id, redirect_uri`,
      [state],
    );
    return rows[0] ? { connectionId: rows[0].connection_id, redirectUri: rows[0].redirect_uri } : undefined;
  }

  // ---------- rate slots ----------

  async ensureSlots(db: Db, xeroTenantId: string, count: number): Promise<void> {
    await db.query(
      `insert into ${S}.rate_slots (xero_tenant_id, slot) select $1, g from generate_series(1, $2::int) g on conflict do nothing`,
      [xeroTenantId, count],
    );
  }

  /** Locks a free slot for the rest of the transaction, or undefined when all are taken. */
  async lockSlot(tx: ClientBase, xeroTenantId: string, count: number): Promise<number | undefined> {
    const { rows } = await tx.query(
      `select slot from ${S}.rate_slots where xero_tenant_id = $1 and slot <= $2 order by slot limit 1 for update skip locked`,
      [xeroTenantId, count],
    );
    return rows[0]?.slot;
  }

  // ---------- pending ----------

  async upsertPending(db: Db, p: Omit<PendingRow, 'attempts' | 'nextAttemptAt' | 'enqueuedAt' | 'lastError'>): Promise<void> {
    // A newer revision replaces the one still waiting: only the latest LNB content goes to Xero.
    await db.query(
      `insert into ${S}.pending (document_key, connection_id, doc_type, revision, run_id, correlation_id, causation_id, value)
       values ($1, $2, $3, $4, $5, $6, $7, $8)
       on conflict (document_key) do update set connection_id = excluded.connection_id, doc_type = excluded.doc_type,
         revision = excluded.revision, run_id = excluded.run_id, correlation_id = excluded.correlation_id,
         causation_id = excluded.causation_id, value = excluded.value, attempts = 0, next_attempt_at = now(), last_error = null`,
      [p.documentKey, p.connectionId, p.docType, p.revision, p.runId, p.correlationId, p.causationId, JSON.stringify(p.value)],
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

  // ---------- documents ----------

  async ensureDocument(db: Db, key: string, connectionId: string, type: DocumentType): Promise<void> {
    await db.query(
      `insert into ${S}.documents (document_key, connection_id, doc_type) values ($1, $2, $3) on conflict (document_key) do nothing`,
      [key, connectionId, type],
    );
  }

  async document(db: Db, key: string): Promise<DocumentRow | undefined> {
    const { rows } = await db.query(`select * from ${S}.documents where document_key = $1`, [key]);
    return rows[0] ? toDocument(rows[0]) : undefined;
  }

  async documents(db: Db, keys: string[]): Promise<Map<string, DocumentRow>> {
    const { rows } = await db.query(`select * from ${S}.documents where document_key = any($1)`, [keys]);
    return new Map(rows.map((r) => [r.document_key as string, toDocument(r)]));
  }

  /** Written (and committed) before a create is sent: after a crash or a lost answer, look before sending again. */
  async markNeedsLookup(db: Db, keys: string[], value = true): Promise<void> {
    if (keys.length) await db.query(`update ${S}.documents set needs_lookup = $2, updated_at = now() where document_key = any($1)`, [keys, value]);
  }

  /** What Xero now holds for these documents, in one statement (a batch's worth at a time). */
  async saveExported(db: Db, list: { key: string; facts: ExportedFacts }[]): Promise<void> {
    if (!list.length) return;
    const col = <K extends keyof ExportedFacts>(k: K) => list.map((e) => e.facts[k]);
    await db.query(
      `update ${S}.documents d set xero_tenant_id = v.tenant, xero_id = v.xero_id, number = v.number, revision = v.revision, status = v.status,
         sub_total = v.sub_total, total_tax = v.total_tax, total = v.total, url = v.url, needs_lookup = false, updated_at = now()
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::numeric[], $9::numeric[], $10::text[])
         as v(key, tenant, xero_id, number, revision, status, sub_total, total_tax, total, url)
       where d.document_key = v.key`,
      [list.map((e) => e.key), col('xeroTenantId'), col('xeroId'), col('number'), col('revision'), col('status'), col('subTotal'), col('totalTax'), col('total'), col('url')],
    );
  }

  // ---------- contacts ----------

  async cachedContacts(db: Db, xeroTenantId: string, numbers: string[]): Promise<Map<string, string>> {
    const { rows } = await db.query(
      `select contact_number, contact_id from ${S}.contacts where xero_tenant_id = $1 and contact_number = any($2)`,
      [xeroTenantId, numbers],
    );
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
    if (contactNumbers.length) await db.query(`delete from ${S}.contacts where xero_tenant_id = $1 and contact_number = any($2)`, [xeroTenantId, contactNumbers]);
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
    await db.query(`update ${S}.followups set attempts = $2, next_attempt_at = now() + make_interval(secs => $3::float8 / 1000) where id = $1`, [id, attempts, delayMs]);
  }

  // ---------- allocations ----------

  /** A credit note in Xero that should credit an invoice: checked at once. A new revision starts over unless it is allocated already. */
  async addAllocation(db: Db, a: DocumentRef & { creditNoteXeroId: string; creditNoteNumber: string; invoiceNumber: string; creditNoteDate?: string }): Promise<void> {
    await db.query(
      `insert into ${S}.allocations (document_key, connection_id, revision, run_id, correlation_id, causation_id, credit_note_xero_id, credit_note_number, invoice_number, credit_note_date)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       on conflict (document_key) do update set revision = excluded.revision, run_id = excluded.run_id, correlation_id = excluded.correlation_id,
         causation_id = excluded.causation_id, credit_note_xero_id = excluded.credit_note_xero_id, credit_note_number = excluded.credit_note_number,
         invoice_number = excluded.invoice_number, credit_note_date = excluded.credit_note_date, state = 'waiting', message = null, checks = 0,
         next_check_at = now(), updated_at = now()
       where ${S}.allocations.state <> 'allocated'`,
      [a.documentKey, a.connectionId, a.revision, a.runId, a.correlationId, a.causationId, a.creditNoteXeroId, a.creditNoteNumber, a.invoiceNumber, a.creditNoteDate ?? null],
    );
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

  async saveAllocation(db: Db, documentKey: string, a: { state: AllocationRow['state']; message: string; checks: number; delayMs: number }): Promise<void> {
    await db.query(
      `update ${S}.allocations set state = $2, message = $3, checks = $4, next_check_at = now() + make_interval(secs => $5::float8 / 1000), updated_at = now()
       where document_key = $1`,
      [documentKey, a.state, a.message, a.checks, a.delayMs],
    );
  }

  /** Puts off a look without counting it (Xero asked us to slow down). */
  async postponeAllocations(db: Db, documentKeys: string[], delayMs: number): Promise<void> {
    await db.query(`update ${S}.allocations set next_check_at = now() + make_interval(secs => $2::float8 / 1000) where document_key = any($1)`, [documentKeys, delayMs]);
  }

  /** Allocations waiting for this invoice look again now (it has just reached Xero). */
  async allocationsForInvoiceDue(db: Db, connectionId: string, invoiceNumbers: string[]): Promise<number> {
    if (!invoiceNumbers.length) return 0;
    const { rowCount } = await db.query(
      `update ${S}.allocations set next_check_at = now() where connection_id = $1 and state = 'waiting' and upper(invoice_number) = any($2) and next_check_at > now()`,
      [connectionId, invoiceNumbers.map((n) => n.toUpperCase())],
    );
    return rowCount ?? 0;
  }

  /**
   * "Check allocations now": the connection's waiting allocations are due at once; credit notes named
   * (LNB references) are looked at again even when they were found not possible (fixed in Xero since).
   */
  async allocationsDueNow(db: Db, connectionId: string, documentKeys?: string[]): Promise<number> {
    const { rowCount } = documentKeys?.length
      ? await db.query(
        `update ${S}.allocations set state = 'waiting', next_check_at = now(), updated_at = now()
         where connection_id = $1 and document_key = any($2) and state <> 'allocated'`,
        [connectionId, documentKeys],
      )
      : await db.query(`update ${S}.allocations set next_check_at = now() where connection_id = $1 and state = 'waiting'`, [connectionId]);
    return rowCount ?? 0;
  }

  async allocation(db: Db, documentKey: string): Promise<AllocationRow | undefined> {
    const { rows } = await db.query(`select *, 'credit_note' as doc_type from ${S}.allocations where document_key = $1`, [documentKey]);
    return rows[0] ? toAllocation(rows[0]) : undefined;
  }
}
