// In-process throughput of the mapper's mapping: documents mapped per second by the mapper's own module
// (started as a Nest application context: no HTTP, no Kafka consumer), with the mapping configuration it
// loaded from its file and the reference data it was given through its handler. No I/O in the timed loop.
// Build with `npm run build`, run with `node -r ./tools/runtime/register.js dist/bench/mapper/map.bench.js [--lines=20] [--seconds=3] [--no-reference]`.
// Needs PostgreSQL (the module restores its state from its event store at boot; a fresh database per run,
// TEST_DATABASE_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres; migrated as the tests' are); no Kafka.
import { createEnvelope, OrgReferenceDataPublished, parseDocumentKey } from '@lnbx/contracts';
import type { OutboxRelay } from '@lnbx/event-store';
import { OUTBOX_RELAY } from '@lnbx/messaging';
import { JsonLogger, loadConfig } from '@lnbx/platform';
import { createTestDatabase } from '@lnbx/testing';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AppModule } from '../../apps/mapper/src/app.module';
import { MapperConfig } from '../../apps/mapper/src/config';
import { aMappingConfig, anLnbInvoice, anOrgReference, DocumentMapping, MapperHandlers } from '../../apps/mapper/src/testing';

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = hit ? Number(hit.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const lines = arg('lines', 20);
const seconds = arg('seconds', 3);
const withReference = !process.argv.includes('--no-reference');
// Distinct documents (references, discounts, shipping) so the run is not one object mapped over and over.
const inputs = Array.from({ length: 200 }, (_, i) =>
  anLnbInvoice()
    .withReference(`INV-BENCH-${i}`)
    .withLines(lines)
    .withDiscountRate(i % 4 === 0 ? 7.5 : 0)
    .withShipping(10 + (i % 17))
    .input(),
);
const connectionId = parseDocumentKey(inputs[0].documentKey)?.connectionId ?? 'acme';

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lnbx-map-bench-'));
  const mappingFile = path.join(dir, 'mapping.json');
  writeFileSync(mappingFile, JSON.stringify(aMappingConfig().withSeasonTracking().build()));
  // A fresh database migrated by the real CLI (a copy of the migrated template, as the tests get theirs).
  const db = await createTestDatabase('bench_map');
  try {
    const config = loadConfig(MapperConfig, {
      DATABASE_URL: db.url,
      MAPPING_CONFIG_FILE: mappingFile,
      // Its Kafka client is made but never connects (no consumer, the relay stopped).
      KAFKA_SECURITY: 'plaintext',
      LOG_LEVEL: 'error',
    });
    const logger = new JsonLogger('mapper-bench', 'error', (line) => process.stderr.write(line + '\n'));
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, logger), { logger, abortOnError: false });
    try {
      // Nothing here is for Kafka: the relay is stopped before anything is appended.
      await app.get<OutboxRelay>(OUTBOX_RELAY).stop();
      if (withReference) {
        // The organisation's reference data reaches the mapper as the exporter publishes it: through its handler.
        await app.get(MapperHandlers).onOrgReferenceDataPublished(
          createEnvelope(OrgReferenceDataPublished.definition, anOrgReference().build(), {
            producer: 'xero-exporter',
            connectionId,
            correlationId: 'bench-reference',
            key: `${connectionId}:xero-reference`,
          }),
        );
      }
      const mapping = app.get(DocumentMapping);

      let failures = 0;
      const runFor = (ms: number): number => {
        let n = 0;
        const end = performance.now() + ms;
        while (performance.now() < end) {
          for (let k = 0; k < 100; k++) {
            if (!mapping.map(connectionId, inputs[(n + k) % inputs.length]).ok) failures++;
          }
          n += 100;
        }
        return n;
      };

      runFor(500); // warm-up: let the JIT settle
      failures = 0;
      const start = performance.now();
      const docs = runFor(seconds * 1000);
      const elapsed = (performance.now() - start) / 1000;

      process.stdout.write(
        `${JSON.stringify({
          bench: 'mapper.mapDocument',
          docsPerSecond: Math.round(docs / elapsed),
          linesPerDocument: lines,
          docs,
          seconds: Number(elapsed.toFixed(3)),
          withReference,
          rejected: failures,
          node: process.version,
        })}\n`,
      );
      if (failures > 0) process.exitCode = 1;
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
