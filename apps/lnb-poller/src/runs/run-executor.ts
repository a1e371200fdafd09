// Executes requested runs, one at a time per poller process, outside the Kafka handler (a run can
// last minutes; a handler must not). Pages through LNB, applies the selection, enriches, detects
// changes and emits one detected event per new or changed selected document, page by page.
import {
  createEnvelope, CreditNoteDetected, documentKey, EventEnvelope, documentTypeOfFlow, flowKey, InvoiceDetected, LnbDocument, Problem,
  RunCompleted, RunFailed, RunStarted, SelectionRules,
} from '@lnbx/contracts';
import { isLnbError, LnbClient, LnbCreditNote, LnbInvoice, LnbOrder, LnbRetailer } from '@lnbx/lnb-client';
import { Outbox } from '@lnbx/messaging';
import { CONFIG, JsonLogger, METRICS } from '@lnbx/platform';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { Counter, Histogram, Registry } from 'prom-client';
import { PollerConfig } from '../config';
import { count, emptyCounts } from '../domain/counts';
import { describeRetailer, enrichDocument } from '../domain/enrich';
import { revisionOf } from '../domain/revision';
import { selectDocument } from '../domain/selection';
import { SelectionStore } from '../selection/selection-store';
import { mapLimit } from './concurrency';
import { runProblem } from './problems';
import { QueuedRun, RunStore } from './run-store';

type LnbDoc = LnbInvoice | LnbCreditNote;
interface Prepared {
  key: string;
  document: LnbDocument;
  retailer: ReturnType<typeof describeRetailer>;
  revision: string;
}
const CONSUMER_LOOP_IDLE_MS = 500;

@Injectable()
export class RunExecutor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly worker = `${hostname()}-${process.pid}`;
  private stopping = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private readonly detected: Counter<'type' | 'mode'>;
  private readonly duration: Histogram<'flow' | 'outcome'>;

  constructor(
    private readonly runs: RunStore,
    private readonly selections: SelectionStore,
    private readonly outbox: Outbox,
    private readonly lnb: LnbClient,
    @Inject(CONFIG) private readonly config: PollerConfig,
    private readonly logger: JsonLogger,
    @Inject(METRICS) metrics: Registry,
  ) {
    this.detected = new Counter({ name: 'lnbx_documents_detected_total', help: 'Detected events emitted (new or changed revisions).', labelNames: ['type', 'mode'], registers: [metrics] });
    this.duration = new Histogram({ name: 'lnbx_poller_run_duration_seconds', help: 'Duration of a run in the poller.', labelNames: ['flow', 'outcome'], registers: [metrics], buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 1800] });
  }

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  /** A run was queued: look now rather than at the next tick. */
  poke(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let run: QueuedRun | undefined;
      try {
        run = await this.runs.claim(this.worker, this.config.runLeaseMs);
      } catch (err) {
        this.logger.warn('could not claim a run', { err });
      }
      if (run) {
        await this.execute(run);
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CONSUMER_LOOP_IDLE_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async execute(run: QueuedRun): Promise<void> {
    const log = this.logger.child({ runId: run.run_id, flow: run.flow });
    const ctx = { producer: 'lnb-poller' as const, connectionId: this.config.connectionId, correlationId: run.run_id };
    const runKey = flowKey(this.config.connectionId, run.flow);
    const stream = `run-${run.run_id}`;
    const end = this.duration.startTimer({ flow: run.flow });
    const started = createEnvelope(RunStarted.definition, {
      runId: run.run_id, flow: run.flow, mode: run.mode, trigger: run.trigger, requestedBy: run.requested_by,
      startedAt: new Date().toISOString(), worker: this.worker,
    }, { ...ctx, key: runKey, causationId: run.correlation_event_id });
    await this.outbox.store.withTransaction((tx) => this.outbox.append(tx, stream, [started]));
    log.info('run started', { mode: run.mode, trigger: run.trigger, named: run.documents?.length ?? 0 });

    const counts = emptyCounts();
    const problems: Problem[] = [];
    try {
      const rules = await this.selections.rules(run.flow);
      const pages = run.documents?.length ? this.named(run, problems) : this.listing(run);
      // Pipelined: page N+1 is fetched and enriched while page N is being stored.
      let storing: Promise<void> | undefined;
      for await (const page of pages) {
        const prepared = await this.preparePage(run, page, rules, counts);
        await storing;
        storing = this.storePage(run, prepared, counts, started.eventId);
        storing.catch(() => undefined); // awaited (and rethrown) on the next turn or after the loop
        await this.runs.heartbeat(run.run_id, this.worker);
        if (this.stopping) throw new Error('the poller is stopping; another instance will take the run over');
      }
      await storing;
      const completed = createEnvelope(RunCompleted.definition, {
        runId: run.run_id, flow: run.flow, counts, completedAt: new Date().toISOString(), ...(problems.length ? { problems } : {}),
      }, { ...ctx, key: runKey, causationId: started.eventId });
      await this.outbox.store.withTransaction(async (tx) => {
        await this.outbox.append(tx, stream, [completed]);
        await this.runs.finish(tx, run.run_id, 'completed');
      });
      end({ outcome: 'completed' });
      log.info('run completed', { counts });
    } catch (err) {
      if (this.stopping && !isLnbError(err)) {
        log.warn('run interrupted by shutdown; it stays claimed until its lease ends', { err });
        return;
      }
      const problem = runProblem(err);
      const failed = createEnvelope(RunFailed.definition, { runId: run.run_id, flow: run.flow, problem, failedAt: new Date().toISOString() }, { ...ctx, key: runKey, causationId: started.eventId });
      await this.outbox.store.withTransaction(async (tx) => {
        await this.outbox.append(tx, stream, [failed]);
        await this.runs.finish(tx, run.run_id, 'failed');
      });
      end({ outcome: 'failed' });
      log.warn('run failed', { code: problem.code, message: problem.message, counts });
    }
  }

  /** Every document of the flow, a page at a time (never the whole listing in memory). */
  private async *listing(run: QueuedRun): AsyncGenerator<LnbDoc[]> {
    const path = run.flow === 'invoices' ? '/invoices' : undefined;
    if (path) {
      for await (const page of this.lnb.pages<LnbInvoice>(path)) yield page.items;
      return;
    }
    // Credit notes come through the client's adapter (the ASSUMED endpoint lives there).
    let batch: LnbDoc[] = [];
    for await (const note of this.lnb.creditNotes()) {
      batch.push(note);
      if (batch.length === 500) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  /** The documents a run names ("export now", retry), fetched one by one; an unknown one is reported, not fatal. */
  private async *named(run: QueuedRun, problems: Problem[]): AsyncGenerator<LnbDoc[]> {
    const refs = [...new Set(run.documents ?? [])];
    const docs = await mapLimit(refs, this.config.enrichConcurrency, async (ref) => {
      try {
        return run.flow === 'invoices' ? await this.lnb.invoice(ref) : await this.lnb.creditNote(ref);
      } catch (err) {
        if (isLnbError(err) && err.code === 'LNB.NOT_FOUND') {
          problems.push({ code: 'LNB.DOCUMENT_NOT_FOUND', severity: 'warning', field: ref, message: `Le New Black has no ${run.flow === 'invoices' ? 'invoice' : 'credit note'} ${ref}.` });
          return undefined;
        }
        throw err;
      }
    });
    const found = docs.filter((d): d is LnbDoc => d !== undefined);
    if (found.length) yield found;
  }

  /** Selects and enriches one page: what can run while the previous page is being stored. */
  private async preparePage(run: QueuedRun, page: LnbDoc[], rules: SelectionRules, counts: RunCompleted.Counts): Promise<Prepared[]> {
    const type = documentTypeOfFlow(run.flow);
    const named = run.documents?.length ? new Set(run.documents) : undefined;
    const selected: LnbDoc[] = [];
    for (const doc of page) {
      counts.seen++;
      const verdict = selectDocument(doc, rules, named);
      if (verdict === 'selected') selected.push(doc);
      else count(counts, verdict);
    }
    return mapLimit(selected, this.config.enrichConcurrency, async (doc) => {
      const [order, retailer, invoiceFound] = await Promise.all([
        doc.order_reference ? this.optional(() => this.lnb.order(doc.order_reference!)) : Promise.resolve(null),
        doc.retailer_reference ? this.optional(() => this.lnb.retailer(doc.retailer_reference!)) : Promise.resolve(null),
        'invoice_reference_number' in doc && doc.invoice_reference_number
          ? this.optional(() => this.lnb.invoice(doc.invoice_reference_number!)).then((i) => i !== null)
          : Promise.resolve(undefined),
      ]);
      const document: LnbDocument = enrichDocument(doc, order as LnbOrder | null);
      if (invoiceFound !== undefined) document.invoice_found = invoiceFound;
      const contact = describeRetailer(retailer as LnbRetailer | null, doc);
      const key = documentKey(this.config.connectionId, type, doc.reference_number);
      return { key, document, retailer: contact, revision: revisionOf(document, contact) };
    });
  }

  /** Emits a prepared page's new and changed documents and records their revisions, in one transaction. */
  private async storePage(run: QueuedRun, prepared: Prepared[], counts: RunCompleted.Counts, causationId: string): Promise<void> {
    const type = documentTypeOfFlow(run.flow);
    const definition = type === 'invoice' ? InvoiceDetected.definition : CreditNoteDetected.definition;
    // A preview never records revisions: the next real run must still see these documents as new.
    const force = run.trigger === 'retry' || run.mode === 'preview';
    const started = Date.now();
    const emitted: { key: string; revision: string }[] = [];
    await this.outbox.store.withTransaction(async (tx) => {
      emitted.length = 0;
      const known = await this.runs.revisions(tx, prepared.map((e) => e.key));
      const batch: { streamId: string; envelopes: EventEnvelope[] }[] = [];
      for (const e of prepared) {
        if (!force && known.get(e.key) === e.revision) continue;
        // Built from typed, enriched LNB data; the payload's shape is proven by the poller's unit tests
        // and every consumer validates it again, so the per-document validation is skipped here.
        const env = createEnvelope(definition, {
          documentKey: e.key, documentType: type, revision: e.revision, runId: run.run_id, mode: run.mode, document: e.document, retailer: e.retailer,
        }, { producer: 'lnb-poller', connectionId: this.config.connectionId, correlationId: run.run_id, causationId, key: e.key, validate: false });
        batch.push({ streamId: `document-${e.key}`, envelopes: [env] });
        emitted.push({ key: e.key, revision: e.revision });
      }
      await this.outbox.appendMany(tx, batch);
      if (run.mode === 'export') await this.runs.saveRevisions(tx, run.run_id, emitted);
    });
    this.logger.debug('page stored', { runId: run.run_id, documents: prepared.length, emitted: emitted.length, storeMs: Date.now() - started });
    // Counted after the commit, so a rolled-back page is not counted.
    for (let i = 0; i < emitted.length; i++) count(counts, 'emitted');
    for (let i = 0; i < prepared.length - emitted.length; i++) count(counts, 'unchanged');
    if (emitted.length) this.detected.inc({ type, mode: run.mode }, emitted.length);
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
