// In-process throughput of the mapper's domain: documents mapped per second (no Kafka, no I/O).
// Build with `npm run build`, run with `node -r ./tools/runtime/register.js dist/bench/mapper/map.bench.js [--lines=20] [--seconds=3] [--no-reference]`.
import { mapDocument } from '../../apps/mapper/src/domain/map-document';
import { aMappingConfig, anLnbInvoice, anOrgReference } from '../../apps/mapper/src/domain/testing';

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = hit ? Number(hit.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const lines = arg('lines', 20);
const seconds = arg('seconds', 3);
const withReference = !process.argv.includes('--no-reference');

const config = aMappingConfig().withSeasonTracking().build();
const reference = withReference ? anOrgReference().build() : undefined;
// Distinct documents (references, discounts, shipping) so the run is not one object mapped over and over.
const inputs = Array.from({ length: 200 }, (_, i) => anLnbInvoice()
  .withReference(`INV-BENCH-${i}`).withLines(lines).withDiscountRate(i % 4 === 0 ? 7.5 : 0).withShipping(10 + (i % 17))
  .input());

let failures = 0;
const runFor = (ms: number): number => {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let k = 0; k < 100; k++) {
      if (!mapDocument(inputs[(n + k) % inputs.length], config, reference).ok) failures++;
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

process.stdout.write(`${JSON.stringify({
  bench: 'mapper.mapDocument',
  docsPerSecond: Math.round(docs / elapsed),
  linesPerDocument: lines,
  docs,
  seconds: Number(elapsed.toFixed(3)),
  withReference,
  rejected: failures,
  node: process.version,
})}\n`);
if (failures > 0) process.exitCode = 1;
