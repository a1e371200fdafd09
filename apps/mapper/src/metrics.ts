// The mapper's series: what became of each document, per connection (the envelope's connectionId), and how long
// the pure mapping takes. The time is the process's (one CPU, every brand's documents): it carries no connection.
import type { DocumentType } from '@lnbx/contracts';
import { METRICS } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import type { MapResult } from './domain';

@Injectable()
export class MapperMetrics {
  private readonly mapped: Counter<'connection' | 'type'>;
  private readonly rejected: Counter<'connection' | 'type' | 'code'>;
  readonly duration: Histogram;

  constructor(@Inject(METRICS) registry: Registry) {
    const registers = [registry];
    this.mapped = new Counter({
      name: 'lnbx_documents_mapped_total',
      help: 'Documents mapped to a Xero document, by connection and type.',
      labelNames: ['connection', 'type'],
      registers,
    });
    this.rejected = new Counter({
      name: 'lnbx_documents_rejected_total',
      help: 'Documents rejected by the mapper, by connection, type and code: once per error code a document has (a document with two codes counts under both).',
      labelNames: ['connection', 'type', 'code'],
      registers,
    });
    this.duration = new Histogram({
      name: 'lnbx_mapping_duration_seconds',
      help: 'Time to map one document (the pure mapping, without I/O).',
      registers,
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.02, 0.1],
    });
  }

  record(connection: string, type: DocumentType, result: MapResult): void {
    if (result.ok) {
      this.mapped.inc({ connection, type });
      return;
    }
    // Warnings ride along with a rejection, but they are not why it was rejected.
    const codes = new Set(result.problems.filter((p) => p.severity === 'error').map((p) => p.code));
    for (const code of codes) this.rejected.inc({ connection, type, code });
  }
}
