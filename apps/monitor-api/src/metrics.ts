// The connector's business metrics. Counters and histograms move when an event is projected (once
// per eventId); the stuck-documents, waiting-allocations and consumer-lag gauges are computed when
// Prometheus scrapes. The business metrics carry a `connection` label (the envelope's connectionId): one
// series per connection and label set, so the series grow with the connections the deployment serves (tens,
// not thousands) and never with documents or runs. /metrics is the operator's (Prometheus), not a brand's.
import { deadLetterTopic, EVENTS, topicName } from '@lnbx/contracts';
import { CONFIG, JsonLogger, KAFKA_ADMIN, METRICS, PG_POOL } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Admin } from 'kafkajs';
import type { Pool } from 'pg';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MonitorConfig } from './config';
import type { MetricSample } from './domain/effects';

/** The services whose consumer groups are watched (`<prefix><service>`), and the monitor's dead-letter reader. */
export const WATCHED_SERVICES = ['lnb-poller', 'mapper', 'xero-exporter', 'monitor-api'] as const;
export const DLQ_GROUP_SUFFIX = 'monitor-api.dlq';

const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600];

@Injectable()
export class MonitorMetrics {
  private readonly counters: Record<
    'runs_total' | 'documents_detected_total' | 'documents_exported_total' | 'documents_export_failed_total' | 'credit_note_allocations_total',
    Counter<string>
  >;
  private readonly histograms: Record<'run_duration_seconds' | 'detected_to_exported_seconds', Histogram<string>>;
  private readonly deadLetters: Counter<'topic' | 'code'>;
  private lagCache?: { at: number; values: { group: string; topic: string; lag: number }[] };

  constructor(
    @Inject(METRICS) registry: Registry,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
    @Inject(CONFIG) private readonly config: MonitorConfig,
    private readonly logger: JsonLogger,
  ) {
    const registers = [registry];
    this.counters = {
      runs_total: new Counter({
        name: 'lnbx_runs_total',
        help: 'Runs that ended, by connection, flow and outcome (completed, failed).',
        labelNames: ['connection', 'flow', 'outcome'],
        registers,
      }),
      documents_detected_total: new Counter({
        name: 'lnbx_documents_detected_total',
        help: 'New or changed LNB documents detected, by connection and type.',
        labelNames: ['connection', 'type'],
        registers,
      }),
      documents_exported_total: new Counter({
        name: 'lnbx_documents_exported_total',
        help: 'Documents exported to Xero, by connection, type and outcome (created, updated, already_present).',
        labelNames: ['connection', 'type', 'outcome'],
        registers,
      }),
      documents_export_failed_total: new Counter({
        name: 'lnbx_documents_export_failed_total',
        help: 'Failed exports to Xero, by connection, type and code.',
        labelNames: ['connection', 'type', 'code'],
        registers,
      }),
      credit_note_allocations_total: new Counter({
        name: 'lnbx_credit_note_allocations_total',
        labelNames: ['connection', 'outcome'],
        registers,
        help: 'Credit notes in Xero whose allocation to their invoice was decided, by outcome (allocated, already_allocated, not_possible). Not failures; waiting ones are lnbx_credit_notes_allocation_waiting.',
      }),
    };
    this.histograms = {
      run_duration_seconds: new Histogram({
        name: 'lnbx_run_duration_seconds',
        help: 'From run start to its end.',
        labelNames: ['connection', 'flow', 'outcome'],
        buckets: DURATION_BUCKETS,
        registers,
      }),
      detected_to_exported_seconds: new Histogram({
        name: 'lnbx_detected_to_exported_seconds',
        help: 'From a revision detected in LNB to the document in Xero.',
        labelNames: ['connection', 'type'],
        buckets: DURATION_BUCKETS,
        registers,
      }),
    };
    this.deadLetters = new Counter({
      name: 'lnbx_dead_letters_seen_total',
      help: 'Dead letters seen on any dead-letter topic, by original topic and code.',
      labelNames: ['topic', 'code'],
      registers,
    });

    const stuck = () => this.stuck();
    const allocationsWaiting = () => this.allocationsWaiting();
    const consumerLag = () => this.consumerLag();
    const warn = (msg: string, fields: Record<string, unknown>) => this.logger.warn(msg, fields);
    new Gauge({
      name: 'lnbx_documents_stuck',
      help: `Documents of runs still without an outcome after MONITOR_STUCK_AFTER_MINUTES, by connection and flow.`,
      labelNames: ['connection', 'flow'],
      registers,
      async collect() {
        const rows = await stuck().catch(() => null);
        this.reset();
        for (const r of rows ?? []) this.set({ connection: r.connection, flow: r.flow }, r.n);
      },
    });
    new Gauge({
      name: 'lnbx_credit_notes_allocation_waiting',
      registers,
      labelNames: ['connection'],
      help: 'Credit notes in Xero whose allocation to their invoice waits (for approvals in Xero, for the invoice, for Xero to answer), by connection: not a failure.',
      async collect() {
        const rows = await allocationsWaiting().catch(() => null);
        this.reset();
        for (const [connection, n] of rows ?? []) this.set({ connection }, n);
      },
    });
    new Gauge({
      name: 'lnbx_consumer_lag',
      help: 'Messages not yet consumed, by consumer group and topic (committed offset vs end of topic).',
      labelNames: ['group', 'topic'],
      registers,
      async collect() {
        const values = await consumerLag().catch((err) => {
          warn('consumer lag unavailable', { err });
          return [];
        });
        this.reset();
        for (const v of values) this.set({ group: v.group, topic: v.topic }, v.lag);
      },
    });
  }

  /** The samples of one event, under its envelope's connection. */
  record(samples: MetricSample[], connection: string): void {
    for (const s of samples) {
      const labels = { connection, ...s.labels };
      if (s.metric === 'run_duration_seconds' || s.metric === 'detected_to_exported_seconds') this.histograms[s.metric].observe(labels, s.value);
      else this.counters[s.metric].inc(labels);
    }
  }

  deadLetterSeen(topic: string, code: string): void {
    this.deadLetters.inc({ topic, code });
  }

  /**
   * Documents of runs with no outcome yet whose last news is older than the threshold. A mapped
   * document whose Xero connection is lost is waiting, not stuck: LnbxXeroConnectionLost speaks for it
   * (the connection is the first part of the document key).
   */
  async stuck(): Promise<{ connection: string; flow: string; n: number }[]> {
    // Every flow of every connection with runs shows, at 0 when nothing is stuck, so an alert sees the series.
    const { rows } = await this.pool.query<{ connection: string; flow: string; n: string }>(
      `select c.connection_id as connection, f.flow, count(d.document_key) as n
       from (select distinct connection_id from monitor.runs) c cross join unnest(array['invoices', 'credit_notes']) as f(flow)
       left join monitor.runs r on r.connection_id = c.connection_id and r.flow = f.flow
       left join monitor.run_documents d on d.connection_id = r.connection_id and d.run_id = r.run_id
         and (d.state = 'detected' or (d.state = 'mapped' and coalesce(d.mode, r.mode) is distinct from 'preview'
                and not exists (select 1 from monitor.xero_connections x where x.connection_id = d.connection_id and x.view->>'status' = 'lost')))
         and d.updated_at < now() - make_interval(mins => $1)
       group by c.connection_id, f.flow order by 1, 2`,
      [this.config.stuckAfterMinutes],
    );
    return rows.map((r) => ({ connection: r.connection, flow: r.flow, n: Number(r.n) }));
  }

  /** Credit notes whose allocation waits, as the read model shows them, per connection. */
  async allocationsWaiting(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ connection_id: string; n: string }>(
      `select connection_id, count(*) filter (where allocation = 'waiting') as n from monitor.documents group by connection_id`,
    );
    return new Map(rows.map((r) => [r.connection_id, Number(r.n)]));
  }

  /** Lag per group and topic, summed over partitions; only where the group has committed (it consumes the topic). */
  async consumerLag(): Promise<{ group: string; topic: string; lag: number }[]> {
    if (this.lagCache && Date.now() - this.lagCache.at < 5_000) return this.lagCache.values;
    const prefix = this.config.topicPrefix;
    const topics = EVENTS.map((d) => topicName(prefix, d.topic));
    const dlqTopics = EVENTS.map((d) => topicName(prefix, deadLetterTopic(d.topic)));
    await this.admin.connect();
    const ends = new Map<string, Map<number, bigint>>();
    const endOf = async (topic: string) => {
      if (!ends.has(topic)) ends.set(topic, new Map((await this.admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)])));
      return ends.get(topic)!;
    };
    const groups: [string, string[]][] = [
      ...WATCHED_SERVICES.map((s): [string, string[]] => [`${prefix}${s}`, topics]),
      [`${prefix}${DLQ_GROUP_SUFFIX}`, dlqTopics],
    ];
    const values: { group: string; topic: string; lag: number }[] = [];
    for (const [group, groupTopics] of groups) {
      const committed = await this.admin.fetchOffsets({ groupId: group, topics: groupTopics });
      for (const t of committed) {
        const parts = t.partitions.filter((p) => Number(p.offset) >= 0);
        if (!parts.length) continue;
        const end = await endOf(t.topic);
        const lag = parts.reduce((sum, p) => sum + Math.max(0, Number((end.get(p.partition) ?? 0n) - BigInt(p.offset))), 0);
        values.push({ group: group.slice(prefix.length), topic: t.topic.slice(prefix.length), lag });
      }
    }
    this.lagCache = { at: Date.now(), values };
    return values;
  }
}
