// The exporter's Prometheus series: every Xero call, the limits Xero reports, the connections, and
// what became of each document. What is a brand's (its documents, its calls, its Xero connection) carries a
// `connection` label, the envelope's connectionId; what is an organisation's (Xero's limits, its share of the
// app-wide budget) carries `tenant` only, since several connections may share one organisation. The bound on
// the series is in docs/operations.md ("Metrics and their cardinality").
import type { DocumentType } from '@lnbx/contracts';
import { METRICS } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Registry } from 'prom-client';

@Injectable()
export class ExporterMetrics {
  readonly calls: Counter<'connection' | 'endpoint' | 'status'>;
  readonly rateRemaining: Gauge<'tenant' | 'window'>;
  readonly connectionUp: Gauge<'connection' | 'tenant'>;
  readonly exported: Counter<'connection' | 'type' | 'outcome'>;
  readonly failed: Counter<'connection' | 'type' | 'code'>;
  readonly attachmentsFailed: Counter<'connection' | 'type'>;
  readonly held: Gauge<'connection' | 'status'>;
  readonly appBudgetWaits: Counter<'tenant'>;

  constructor(@Inject(METRICS) registry: Registry) {
    const registers = [registry];
    this.calls = new Counter({
      name: 'lnbx_xero_calls_total',
      help: 'Calls to the Xero Accounting API, by connection, endpoint and HTTP status (0: no answer).',
      labelNames: ['connection', 'endpoint', 'status'],
      registers,
    });
    this.rateRemaining = new Gauge({
      name: 'lnbx_xero_rate_limit_remaining',
      help: 'Calls left in a Xero rate-limit window, as Xero last reported it.',
      labelNames: ['tenant', 'window'],
      registers,
    });
    this.connectionUp = new Gauge({
      name: 'lnbx_xero_connection_up',
      help: "1 while the connection's Xero organisation is connected, 0 when the connection is lost (each connection has its own tokens), by connection and organisation.",
      labelNames: ['connection', 'tenant'],
      registers,
    });
    this.exported = new Counter({
      name: 'lnbx_documents_exported_total',
      help: 'Documents exported to Xero, by connection, type and outcome (created, updated, already_present).',
      labelNames: ['connection', 'type', 'outcome'],
      registers,
    });
    this.failed = new Counter({
      name: 'lnbx_documents_export_failed_total',
      help: 'Documents reported failed, by connection, type and error code.',
      labelNames: ['connection', 'type', 'code'],
      registers,
    });
    this.attachmentsFailed = new Counter({
      name: 'lnbx_xero_attachments_failed_total',
      help: 'LNB PDFs that could not be attached (the export itself stands), by connection and type.',
      labelNames: ['connection', 'type'],
      registers,
    });
    // One series per connection that is or was paused or removed since the start (bounded by the connections).
    this.held = new Gauge({
      name: 'lnbx_exporter_documents_held',
      help: 'Documents waiting for Xero that are held because their connection is paused or removed in the Integration Center (0 once resumed).',
      labelNames: ['connection', 'status'],
      registers,
    });
    this.appBudgetWaits = new Counter({
      name: 'lnbx_xero_app_budget_waits_total',
      help: "Times a call waited because its organisation had used its fair share of Xero's app-wide limit (XERO_APP_LIMIT_PER_MINUTE).",
      labelNames: ['tenant'],
      registers,
    });
  }

  recordExported(connection: string, type: DocumentType, outcome: string): void {
    this.exported.inc({ connection, type, outcome });
  }

  /** Once per code a document has (a document with two codes counts under both). */
  recordFailed(connection: string, type: DocumentType, codes: string[]): void {
    for (const code of new Set(codes)) this.failed.inc({ connection, type, code });
  }
}
