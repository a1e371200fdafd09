// Executes requested runs of every connection outside the Kafka handler (a run can last minutes; a handler must
// not), up to POLLER_CONCURRENT_RUNS at once per process and POLLER_RUNS_PER_CONNECTION of one connection, never two
// of one connection's flow anywhere; the next run claimed is of the connection with the fewest runs in flight, so a
// brand whose LNB account is slow or failing never holds another's runs. Each run reads with its connection's
// credentials, spends its connection's LNB budget, and keys and publishes what it finds under its connection. Pages through LNB,
// applies the selection, reads what it must (each document's order, its retailer), detects changes
// and emits one detected event per new or changed selected document, page by page. An incremental
// run reads only what changed in LNB since the last run; a full one reads everything (domain/incremental.ts).
import {
  createEnvelope,
  CreditNoteDetected,
  documentKey,
  EventEnvelope,
  documentTypeOfFlow,
  InvoiceDetected,
  isCodedError,
  LnbDocument,
  Problem,
  RunCompleted,
  RunScope,
  SelectionRules,
} from '@lnbx/contracts';
import { type StepOutcome, type Transaction, WorkLoop } from '@lnbx/event-store';
import { isLnbError, LnbClient, LnbCreditNote, LnbInvoice, LnbOrder, LnbRetailer } from '@lnbx/lnb-client';
import { Outbox } from '@lnbx/messaging';
import { CONFIG, JsonLogger, METRICS } from '@lnbx/platform';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Counter, Histogram, Registry } from 'prom-client';
import { PollerConfig } from '../config';
import { count, emptyCounts } from '../domain/counts';
import { describeRetailer, enrichDocument } from '../domain/enrich';
import { chooseScope, decideReading, type KnownChanges } from '../domain/incremental';
import { documentStream, evolvePublishedRevision, type PublishedRevision } from '../domain/published-revision';
import { fingerprintOf, revisionOf } from '../domain/revision';
import { lostTheRun, type RunCommand, type RunRequest, type RunState } from '../domain/run';
import { selectDocument } from '@lnbx/scheduling';
import { RunCommands } from '../handlers/run-commands';
import { ConnectionStore, notRunning } from '../store/connection-store';
import { type DocumentRead, RunStore } from '../store/run-store';
import { SelectionStore } from '../store/selection-store';
import { mapLimit, readAhead } from './concurrency';
import { type ChangedOrders, readChangedOrders, readRetailers, type RetailerDirectory } from './lnb-reads';
import { LnbClients } from './lnb-clients';
import { runProblem } from './run-problems';

type LnbDoc = LnbInvoice | LnbCreditNote;
interface Prepared {
  key: string;
  document: LnbDocument;
  retailer: ReturnType<typeof describeRetailer>;
  revision: string;
  read: Omit<DocumentRead, 'key'>;
}
/** One page, ready to store: the documents read, and those known unchanged from the listing alone. */
interface PreparedPage {
  prepared: Prepared[];
  unchangedFromListing: number;
  /** Unchanged, but LNB moved their update_time: noted so the next run need not hash them again. */
  moved: { key: string; updateTime: string | null }[];
}
/** What a run knows before its first page. */
interface RunContext {
  scope: RunScope;
  /** The run's own client (its requests are counted for RunCompleted). */
  lnb: LnbClient;
  retailers?: RetailerDirectory;
  changes?: KnownChanges;
  orders?: ChangedOrders;
}
const CONSUMER_LOOP_IDLE_MS = 500;
/** Changed orders kept whole for their documents (beyond, a document fetches its order): about 3 MB. */
const CHANGED_ORDERS_KEPT = 1_000;

@Injectable()
export class RunExecutor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly worker = `${hostname()}-${process.pid}`;
  private stopping = false;
  private loop?: WorkLoop;
  private readonly active = new Set<Promise<void>>();
  /** Runs in progress in this process, per connection. */
  private readonly activeOf = new Map<string, number>();
  private readonly detected: Counter<'connection' | 'type' | 'mode'>;
  private readonly duration: Histogram<'connection' | 'flow' | 'outcome'>;

  constructor(
    private readonly runs: RunStore,
    private readonly commands: RunCommands,
    private readonly selections: SelectionStore,
    private readonly outbox: Outbox,
    private readonly clients: LnbClients,
    private readonly connections: ConnectionStore,
    @Inject(CONFIG) private readonly config: PollerConfig,
    private readonly logger: JsonLogger,
    @Inject(METRICS) metrics: Registry,
  ) {
    this.detected = new Counter({
      name: 'lnbx_documents_detected_total',
      help: 'Detected events emitted (new or changed revisions), by connection, type and mode.',
      labelNames: ['connection', 'type', 'mode'],
      registers: [metrics],
    });
    this.duration = new Histogram({
      name: 'lnbx_poller_run_duration_seconds',
      help: 'Duration of a run in the poller, by connection, flow and outcome.',
      labelNames: ['connection', 'flow', 'outcome'],
      registers: [metrics],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    });
  }

  onApplicationBootstrap(): void {
    this.loop = new WorkLoop({
      name: 'run executor',
      step: () => this.claimNext(),
      everyMs: CONSUMER_LOOP_IDLE_MS,
      backoff: { baseDelayMs: CONSUMER_LOOP_IDLE_MS, maxDelayMs: 10_000 },
      onError: (err) => this.logger.warn('could not claim a run', { err }),
    });
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.loop?.stop();
    await Promise.all(this.active);
  }

  /** A run was queued: look now rather than at the next tick. */
  poke(): void {
    this.loop?.wake();
  }

  /**
   * Claims one run while below the concurrency and sets it going; 'more' while there may be others to claim. None
   * of a connection that has as many runs going here as it may.
   */
  private async claimNext(): Promise<StepOutcome> {
    if (this.active.size >= this.config.concurrentRuns) return 'idle';
    const busy = [...this.activeOf].filter(([, n]) => n >= this.config.runsPerConnection).map(([connectionId]) => connectionId);
    const run = await this.commands.claim(this.worker, this.config.runLeaseMs, busy);
    if (!run) return 'idle';
    const connectionId = run.request?.connectionId ?? '';
    this.activeOf.set(connectionId, (this.activeOf.get(connectionId) ?? 0) + 1);
    const execution: Promise<void> = this.execute(run)
      .catch((err: unknown) => {
        if (err instanceof RunLost) this.logger.warn('run taken over by another instance: this one stops', { runId: run.runId, reason: err.message });
        else this.logger.error('a run could not be recorded; another poller takes it over when its lease ends', { runId: run.runId, err });
      })
      .finally(() => {
        this.active.delete(execution);
        const left = (this.activeOf.get(connectionId) ?? 1) - 1;
        if (left > 0) this.activeOf.set(connectionId, left);
        else this.activeOf.delete(connectionId);
        this.loop?.wake();
      });
    this.active.add(execution);
    return 'more';
  }

  /** Runs a claimed run: each step decided on its stream and appended expecting the version this instance last wrote. */
  async execute(claimed: RunState): Promise<void> {
    const run = claimed.request;
    if (!run) throw new Error(`run ${claimed.runId} was claimed without its request`);
    const held = new HeldRun(claimed, this.worker, this.commands, this.outbox);
    // Taken before anything is read from LNB: a completed run saw every change made before this.
    const startedAt = new Date();
    const connectionId = run.connectionId;
    const log = this.logger.child({ runId: run.runId, connectionId, flow: run.flow });
    // A paused or removed connection reads nothing: the run ends at once, saying why (it was asked before the pause, or around it).
    const stopped = notRunning(connectionId, await this.connections.status(connectionId));
    if (stopped) {
      const at = new Date().toISOString();
      const problem = { code: 'POLLER.CONNECTION_NOT_ACTIVE' as const, severity: 'error' as const, message: stopped };
      await held.decide({
        type: 'FailRun',
        worker: this.worker,
        eventId: randomUUID(),
        at,
        value: { runId: run.runId, flow: run.flow, problem, failedAt: at },
      });
      log.warn('run not started: the connection is not active', { reason: stopped });
      return;
    }
    const end = this.duration.startTimer({ connection: connectionId, flow: run.flow });
    const named = Boolean(run.documents?.length);
    const { scope, reason, changedSince } = chooseScope(
      { mode: run.mode, named, fullRecheck: run.fullRecheck },
      named ? undefined : await this.runs.progress(connectionId, run.flow),
      startedAt,
      { fullRecheckEveryMs: this.config.fullRecheckEveryHours * 3_600_000, overlapMs: this.config.changesOverlapSeconds * 1000 },
    );
    const started = await held.decide({
      type: 'StartRun',
      worker: this.worker,
      eventId: randomUUID(),
      at: startedAt.toISOString(),
      value: {
        runId: run.runId,
        flow: run.flow,
        mode: run.mode,
        trigger: run.trigger,
        requestedBy: run.requestedBy,
        startedAt: startedAt.toISOString(),
        worker: this.worker,
        scope,
        scopeReason: reason,
        ...(changedSince ? { changedSince: changedSince.toISOString() } : {}),
      },
    });
    const startedEventId = started.started!.eventId;
    log.info('run started', { mode: run.mode, trigger: run.trigger, named: run.documents?.length ?? 0, scope, reason });

    // The lease is kept alive apart from the pages: at a slow LNB budget one page can take minutes.
    const heartbeat = setInterval(
      () => {
        this.runs.heartbeat(run.runId, this.worker).catch((err: unknown) => log.warn('could not renew the run lease', { err }));
      },
      Math.max(1000, Math.floor(this.config.runLeaseMs / 3)),
    );
    const counts: RunCompleted.Counts = { ...emptyCounts(), enriched: 0 };
    const problems: Problem[] = [];
    const tally = { requests: 0 };
    let lnb: LnbClient | undefined;
    try {
      // The connection's credentials as last set (PUT /api/connections/{id}/lnb-credentials), and its budget.
      lnb = await this.clients.forRun(connectionId, () => tally.requests++);
      let context: RunContext = { scope, lnb };
      const rules = await this.selections.rules(connectionId, run.flow);
      context = await this.context(run, context, changedSince);
      // An incremental run costs its listing: the next page is fetched while this one is decided on. A
      // full run's pages cost their reads, not their fetch (and an extra page in memory).
      const pages = named ? this.named(run, lnb, problems) : scope === 'incremental' ? readAhead(this.listing(run, lnb)) : this.listing(run, lnb);
      // Pipelined: page N+1 is fetched and read while page N is being stored.
      let storing: Promise<void> | undefined;
      let page = 0;
      for await (const listed of pages) {
        const prepared = await this.preparePage(run, listed, rules, counts, context);
        await storing;
        storing = this.storePage(held, ++page, prepared, counts, startedEventId);
        storing.catch(() => undefined); // awaited (and rethrown) on the next turn or after the loop
        if (this.stopping) throw new Error('the poller is stopping; another instance will take the run over');
      }
      await storing;
      await held.decide(
        {
          type: 'CompleteRun',
          worker: this.worker,
          eventId: randomUUID(),
          at: new Date().toISOString(),
          value: {
            runId: run.runId,
            flow: run.flow,
            counts,
            completedAt: new Date().toISOString(),
            ...(problems.length ? { problems } : {}),
            scope,
            lnbRequests: tally.requests,
            ...(context.orders ? { changedOrders: context.orders.references.size } : {}),
          },
        },
        async (tx) => {
          if (run.mode === 'export' && scope !== 'named') await this.runs.saveRetailerFingerprints(tx, connectionId, run.flow, context.retailers?.toSave ?? []);
        },
      );
      end({ outcome: 'completed' });
      log.info('run completed', { counts, scope, lnbRequests: tally.requests, changedOrders: context.orders?.references.size });
    } catch (err) {
      if (this.stopping && !isLnbError(err)) {
        log.warn('run interrupted by shutdown; it stays claimed until its lease ends', { err });
        return;
      }
      if (err instanceof RunLost) {
        log.warn('run taken over by another instance: this one stops', { reason: err.message });
        return;
      }
      const problem = runProblem(err);
      await held.decide({
        type: 'FailRun',
        worker: this.worker,
        eventId: randomUUID(),
        at: new Date().toISOString(),
        value: { runId: run.runId, flow: run.flow, problem, failedAt: new Date().toISOString() },
      });
      end({ outcome: 'failed' });
      log.warn('run failed', { code: problem.code, message: problem.message, counts, lnbRequests: tally.requests });
    } finally {
      clearInterval(heartbeat);
      lnb?.close();
    }
  }

  /** What the run reads before its documents: the retailers (full and incremental), the changed orders (incremental). */
  private async context(run: RunRequest, base: RunContext, changedSince: Date | undefined): Promise<RunContext> {
    const { scope, lnb } = base;
    if (scope === 'named') return base;
    const retailers = await readRetailers(lnb, await this.runs.retailerFingerprints(run.connectionId, run.flow));
    if (scope !== 'incremental' || !changedSince) return { ...base, retailers };
    const orders = await readChangedOrders(lnb, changedSince, CHANGED_ORDERS_KEPT);
    return { ...base, retailers, orders, changes: { orders: orders.references, retailers: retailers.changed } };
  }

  /** Every document of the flow, a page at a time (never the whole listing in memory). */
  private async *listing(run: RunRequest, lnb: LnbClient): AsyncGenerator<LnbDoc[]> {
    const path = run.flow === 'invoices' ? '/invoices' : undefined;
    if (path) {
      for await (const page of lnb.pages<LnbInvoice>(path)) yield page.items;
      return;
    }
    // Credit notes come through the client's adapter (the ASSUMED endpoint lives there).
    let batch: LnbDoc[] = [];
    for await (const note of lnb.creditNotes()) {
      batch.push(note);
      if (batch.length === 500) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  /** The documents a run names ("export now", retry), fetched one by one; an unknown one is reported, not fatal. */
  private async *named(run: RunRequest, lnb: LnbClient, problems: Problem[]): AsyncGenerator<LnbDoc[]> {
    const refs = [...new Set(run.documents ?? [])];
    const docs = await mapLimit(refs, this.config.enrichConcurrency, async (ref) => {
      try {
        return run.flow === 'invoices' ? await lnb.invoice(ref) : await lnb.creditNote(ref);
      } catch (err) {
        if (isLnbError(err) && err.code === 'LNB.NOT_FOUND') {
          problems.push({
            code: 'LNB.DOCUMENT_NOT_FOUND',
            severity: 'warning',
            field: ref,
            message: `Le New Black has no ${run.flow === 'invoices' ? 'invoice' : 'credit note'} ${ref}.`,
          });
          return undefined;
        }
        throw err;
      }
    });
    const found = docs.filter((d): d is LnbDoc => d !== undefined);
    if (found.length) yield found;
  }

  /**
   * Selects one page and reads what it must: in a full or named run every selected document's order
   * and retailer; in an incremental run only those of new or changed documents, and of documents whose
   * order or retailer changed in LNB (what can run while the previous page is being stored).
   */
  private async preparePage(run: RunRequest, page: LnbDoc[], rules: SelectionRules, counts: RunCompleted.Counts, context: RunContext): Promise<PreparedPage> {
    const type = documentTypeOfFlow(run.flow);
    const named = run.documents?.length ? new Set(run.documents) : undefined;
    const selected: LnbDoc[] = [];
    for (const doc of page) {
      counts.seen++;
      const verdict = selectDocument(doc, rules, named);
      if (verdict === 'selected') selected.push(doc);
      else count(counts, verdict);
    }
    const keyOf = (doc: LnbDoc) => documentKey(run.connectionId, type, doc.reference_number);
    let toRead = selected;
    let unchangedFromListing = 0;
    const moved: PreparedPage['moved'] = [];
    const changes = context.changes;
    if (context.scope === 'incremental' && changes && selected.length) {
      const known = await this.runs.knownDocuments(selected.map(keyOf));
      toRead = [];
      for (const doc of selected) {
        const key = keyOf(doc);
        const reading = decideReading(doc, known.get(key), changes, () => fingerprintOf(doc));
        if (reading.read) toRead.push(doc);
        else {
          unchangedFromListing++;
          if (reading.updateTimeMoved) moved.push({ key, updateTime: doc.update_time ?? null });
        }
      }
    }
    const prepared = await mapLimit(toRead, this.config.enrichConcurrency, (doc) => this.read(doc, keyOf(doc), context));
    return { prepared, unchangedFromListing, moved };
  }

  /** Reads one document's order, retailer (and, for a credit note, whether LNB has the invoice it credits). */
  private async read(doc: LnbDoc, key: string, context: RunContext): Promise<Prepared> {
    const { lnb } = context;
    const orderRef = doc.order_reference;
    const retailerRef = doc.retailer_reference;
    const [order, retailer, invoiceFound] = await Promise.all([
      orderRef ? (context.orders?.bodies.get(orderRef) ?? this.optional(() => lnb.order(orderRef))) : Promise.resolve(null),
      !retailerRef
        ? Promise.resolve(null)
        : context.retailers
          ? Promise.resolve(context.retailers.get(retailerRef) ?? null)
          : this.optional(() => lnb.retailer(retailerRef)),
      'invoice_reference_number' in doc && doc.invoice_reference_number
        ? this.optional(() => lnb.invoice(doc.invoice_reference_number!)).then((i) => i !== null)
        : Promise.resolve(undefined),
    ]);
    const document: LnbDocument = enrichDocument(doc, order as LnbOrder | null);
    if (invoiceFound !== undefined) document.invoice_found = invoiceFound;
    const contact = describeRetailer(retailer as LnbRetailer | null, doc);
    const updateTime = doc.update_time ?? null;
    return {
      key,
      document,
      retailer: contact,
      revision: revisionOf(document, contact),
      read: {
        updateTime,
        // A full run hashes the listing only where update_time cannot tell (none sent): it reads every document anyway.
        fingerprint: context.scope === 'full' && updateTime ? null : fingerprintOf(doc),
        orderReference: orderRef ?? null,
        retailerReference: retailerRef ?? null,
        // LNB lacked something this document's outcome depends on: read it again every run, as before incremental runs.
        recheck: Boolean(orderRef && order === null) || invoiceFound === false,
      },
    };
  }

  /**
   * Emits a prepared page's new and changed documents, records their revisions and what was read, and the
   * page stored in the run's stream, in one transaction (a page with nothing to write writes nothing).
   */
  private async storePage(held: HeldRun, pageNumber: number, page: PreparedPage, counts: RunCompleted.Counts, causationId: string): Promise<void> {
    const run = held.request;
    const { prepared, moved } = page;
    const type = documentTypeOfFlow(run.flow);
    const definition = type === 'invoice' ? InvoiceDetected.definition : CreditNoteDetected.definition;
    // A retry re-emits what it names; a preview shows every document and records no revision (evolvePublishedRevision).
    const force = run.trigger === 'retry' || run.mode === 'preview';
    const started = Date.now();
    const emitted = new Set<string>();
    if (prepared.length || (moved.length && run.mode === 'export')) {
      await held.step(async (tx) => {
        emitted.clear();
        const known = await this.runs.revisions(
          tx,
          prepared.map((e) => e.key),
        );
        const batch: { streamId: string; envelopes: EventEnvelope[] }[] = [];
        const published: PublishedRevision[] = [];
        for (const e of prepared) {
          if (!force && known.get(e.key) === e.revision) continue;
          // Built from typed, enriched LNB data; the payload's shape is proven by the poller's unit tests
          // and every consumer validates it again, so the per-document validation is skipped here.
          const env = createEnvelope(
            definition,
            {
              documentKey: e.key,
              documentType: type,
              revision: e.revision,
              runId: run.runId,
              mode: run.mode,
              document: e.document,
              retailer: e.retailer,
            },
            { producer: 'lnb-poller', connectionId: run.connectionId, correlationId: run.runId, causationId, key: e.key, validate: false },
          );
          batch.push({ streamId: documentStream(e.key), envelopes: [env] });
          emitted.add(e.key);
          const revision = evolvePublishedRevision(null, { ...env.payload, recordedAt: null });
          if (revision) published.push(revision);
        }
        await this.outbox.appendMany(tx, batch);
        await this.runs.projectRevisions(tx, published);
        if (run.mode === 'export') {
          await this.runs.saveReads(
            tx,
            prepared.map((e) => ({ key: e.key, ...e.read })),
          );
          await this.runs.saveUpdateTimes(tx, moved);
        }
        return { type: 'StorePage', worker: this.worker, page: pageNumber, documents: prepared.length, emitted: emitted.size, at: new Date().toISOString() };
      });
    }
    this.logger.debug('page stored', { runId: run.runId, documents: prepared.length, emitted: emitted.size, storeMs: Date.now() - started });
    // Counted after the commit, so a rolled-back page is not counted.
    for (let i = 0; i < emitted.size; i++) count(counts, 'emitted');
    for (let i = 0; i < prepared.length - emitted.size + page.unchangedFromListing; i++) count(counts, 'unchanged');
    counts.enriched = (counts.enriched ?? 0) + prepared.length;
    if (emitted.size) this.detected.inc({ connection: run.connectionId, type, mode: run.mode }, emitted.size);
  }

  /** An order or retailer LNB does not have is not fatal: the mapper reports what it lacks. */
  private async optional<T>(load: () => Promise<T>): Promise<T | null> {
    try {
      return await load();
    } catch (err) {
      if (isLnbError(err) && err.code === 'LNB.NOT_FOUND') return null;
      throw err;
    }
  }
}

/** A decision refused because this instance no longer holds the run (taken over, or ended), or written behind another instance's. */
class RunLost extends Error {}

/** The run this instance holds, as its stream stood after this instance's last write (no read per page). */
class HeldRun {
  constructor(
    private state: RunState,
    private readonly worker: string,
    private readonly commands: RunCommands,
    private readonly outbox: Outbox,
  ) {}

  get request(): RunRequest {
    return this.state.request!;
  }

  /** Decides `command` in a transaction of its own, with `alongside` written in the same one. */
  decide(command: RunCommand, alongside?: (tx: Transaction) => Promise<void>): Promise<RunState> {
    return this.step(async (tx) => {
      await alongside?.(tx);
      return command;
    });
  }

  /** In one transaction, what `write` stores, then the decision it returns; the state moves only once that commits. */
  async step(write: (tx: Transaction) => Promise<RunCommand>): Promise<RunState> {
    const after = await this.outbox.store.withTransaction(async (tx) => {
      const command = await write(tx);
      try {
        const outcome = await this.commands.decide(tx, this.state, command);
        if (outcome.ok) return outcome.state;
        if (lostTheRun(outcome)) throw new RunLost(outcome.message);
        throw new Error(`${this.worker} could not record ${command.type}: ${outcome.code}: ${outcome.message}`);
      } catch (err) {
        if (isCodedError(err, 'STORE.WRONG_EXPECTED_VERSION')) throw new RunLost(`another instance wrote to run ${this.state.runId} first (${err.message})`);
        throw err;
      }
    });
    this.state = after;
    return after;
  }
}
