// Benchmark (issue 16 part 1): N documents through the whole pipeline, the four services as their own
// processes (compiled, from dist/) over the project's broker, a fresh database and both sandboxes (LNB;
// Xero with its limits lifted: XERO_SANDBOX_LIMITS=off, the exporter at XERO_RATE_TIME_SCALE=100), from one
// run request (POST /api/runs, operator key) until monitor-api shows every document of the run final
// (exported or rejected; failed counted apart). Prints documents/s, each service's CPU ms per document and
// peak RSS (VmHWM), Xero's calls (invoices per create call: batching under load), then, in the same run on the
// same broker, a bare kafkajs hop of the same messages (the run's own InvoiceDetected events, same count and
// sizes) and the ratio pipeline/hop. One JSON line.
//   npm run bench:pipeline [-- --docs=10000] [--xero-time-scale=100] [--hops=3]
// --docs: documents through the pipeline (the LNB sandbox holds docs/0.8 invoices; about 80% are final).
import { waitFor } from '@lnbx/testing';
import type { Message } from 'kafkajs';
import {
  arg,
  CONNECTION,
  cpuSeconds,
  loadAverage,
  machineCpuSeconds,
  median,
  peakRssMb,
  rawKafkaHop,
  readProcess,
  round,
  startPipeline,
  xeroFigures,
  type RunView,
} from './harness';

async function main(): Promise<void> {
  const docs = arg('docs', 10_000);
  const timeScale = arg('xero-time-scale', 100);
  const hops = arg('hops', 3);
  const loadBefore = loadAverage();
  const pipeline = await startPipeline({ label: 'bench_pipeline', invoices: Math.round(docs / 0.8), xeroLimits: false, xeroTimeScale: timeScale });
  try {
    const { services, query } = pipeline;
    const before = Object.fromEntries(Object.entries(services).map(([name, s]) => [name, readProcess(s)]));
    const machineBefore = machineCpuSeconds();
    const requestedAt = Date.now();
    const runId = await pipeline.requestRun({ flow: 'invoices' });

    // Final as the monitor's projection holds it, read straight from its tables (asking its REST API five
    // times a second would be work of the monitor's, counted as its CPU); its REST API is asked once at the end.
    let completedAt = 0;
    const final = await waitFor(
      'every document of the run to be final',
      async () => {
        const [r] = await query<{ status: string; emitted: number | null; total: number; final: number; failed: number }>(
          `select r.status, (r.view->'counts'->>'emitted')::int as emitted, count(d.document_key)::int as total,
                count(*) filter (where d.state in ('exported', 'rejected'))::int as final, count(*) filter (where d.state = 'failed')::int as failed
           from monitor.runs r left join monitor.run_documents d on d.connection_id = r.connection_id and d.run_id = r.run_id
          where r.run_id = $1 group by r.connection_id, r.run_id`,
          [runId],
        );
        if (!r) return undefined;
        if (r.status === 'failed') throw new Error(`run ${runId} failed`);
        if (r.status === 'completed' && !completedAt) completedAt = Date.now();
        return r.status === 'completed' && r.emitted !== null && r.total >= r.emitted && r.final + r.failed >= r.emitted ? { ...r, at: Date.now() } : undefined;
      },
      { timeoutMs: 60 * 60_000, intervalMs: 200 },
    );
    const machineCpu = machineCpuSeconds() - machineBefore;
    const seconds = (final.at - requestedAt) / 1000;
    const n = final.emitted!;
    const perService = Object.fromEntries(
      Object.entries(services).map(([name, s]) => [
        name,
        {
          cpuMsPerDocument: round(((cpuSeconds(s.process.pid!) - before[name].cpu) * 1000) / n),
          peakRssMb: peakRssMb(s.process.pid!),
        },
      ]),
    );
    const shown = await pipeline.get<RunView>(`/api/runs/${runId}`);
    const xero = await xeroFigures(pipeline.xero.admin, shown.documents.exported);
    // Why documents were rejected or failed (the example mapping knows only some of the sandbox's tax rates).
    const codes = await query<{ state: string; code: string; n: number }>(
      `select d.state, c as code, count(*)::int as n from monitor.documents d, unnest(d.codes) c
        where d.state in ('rejected', 'failed') group by 1, 2 order by 1, 3 desc`,
    );
    const byCode = (state: string) => Object.fromEntries(codes.filter((c) => c.state === state).map((c) => [c.code, c.n]));
    const failedSaid = await query<{ message: string }>(
      `select distinct p->>'message' as message from monitor.documents d, jsonb_array_elements(d.view->'problems') p where d.state = 'failed' limit 3`,
    );

    // The same messages the run carried first (its InvoiceDetected events, as the relay sent them), over one bare hop.
    const detected = await query<{ key: string; json: string }>(
      `select kafka_key as key, data::text as json from poller.events where type = 'InvoiceDetected' order by global_position`,
    );
    const messages: Message[] = detected.map((d) => ({ key: d.key, value: Buffer.from(d.json), headers: { 'event-type': 'InvoiceDetected' } }));
    const bytes = messages.reduce((sum, m) => sum + (m.value as Buffer).length, 0);
    // The services are stopped first: the hop gets the machine as the pipeline had it, less our services.
    await Promise.all(Object.values(services).map((s) => s.stop()));
    const hopRuns: Awaited<ReturnType<typeof rawKafkaHop>>[] = [];
    for (let i = 0; i < hops; i++) hopRuns.push(await rawKafkaHop(pipeline.kafka, `${pipeline.prefix}bench.raw-hop.${i}`, messages));
    const hopPerSecond = median(hopRuns.map((h) => h.perSecond));
    const documentsPerSecond = round(n / seconds, 1);

    console.log(
      JSON.stringify({
        bench: 'pipeline',
        documents: n,
        lnbInvoices: Math.round(docs / 0.8),
        connection: CONNECTION,
        xero: { limits: 'off', timeScale },
        monitorShows: { status: shown.status, ...shown.documents, counts: shown.counts },
        codes: { rejected: byCode('rejected'), failed: byCode('failed'), failedSaid: failedSaid.map((f) => f.message) },
        seconds: round(seconds),
        secondsUntilRunCompleted: completedAt ? round((completedAt - requestedAt) / 1000) : null,
        documentsPerSecond,
        services: perService,
        machineCpuMsPerDocument: round((machineCpu * 1000) / n),
        xeroCalls: xero,
        rawHop: { messages: messages.length, meanMessageBytes: Math.round(bytes / messages.length), runs: hopRuns, medianPerSecond: hopPerSecond },
        ratio: round(documentsPerSecond / hopPerSecond, 4),
        loadAverage: { before: loadBefore, after: loadAverage() },
        targets: { ratioAtLeast: 0.25, peakRssMbBelow: 250, invoicesPerCreateCallAtLeast: 48 },
        node: process.version,
      }),
    );
  } finally {
    await pipeline.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
