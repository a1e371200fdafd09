// The Xero sandbox at volume: one organisation filled to 1,000 then 100,000 invoices through its HTTP API
// (PUT /Invoices, 50 a call, contacts created by name as the invoices name them; the fill is not timed),
// and at each size the calls the exporter makes, timed one after another: create a batch of 50 (with an
// Idempotency-Key), invoices by 25 numbers, contacts by 25 numbers or names, and If-Modified-Since paging
// over what changed since the size was reached. Also the state file's bytes written per call (every write
// the process makes to a file in the state folder, counted by wrapping node:fs: it works for any way of
// persisting). Prints one JSON line; target: each call's p95 at the large size within 1.5x of the small.
// Build with `npm run build`, run with
//   node -r ./tools/runtime/register.js dist/bench/xero-sandbox/volume.bench.js [--small=1000] [--large=100000] [--reps=200] [--creates=60]
// XERO_SANDBOX_SPEC names Xero's OpenAPI description when it is not found beside the repo.
import { startXeroSandbox, type XeroSandbox } from '@lnbx/xero-sandbox';
import * as fs from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { arg, percentile } from '../pipeline/harness';

const SMALL = arg('small', 1_000);
const LARGE = arg('large', 100_000);
const REPS = arg('reps', 200);
const CREATES = arg('creates', 60);
/** Untimed calls of each kind first at each size, so the small size is not measured cold. */
const WARM_UP = 10;
const BATCH = 50;
const LOOKUP = 25;
/** One retailer (contact) per 20 invoices, as in the demo's data. */
const INVOICES_PER_CONTACT = 20;

/** Bytes the process hands to files in `dir`, however it writes them. */
function countWritesUnder(dir: string): { bytes: () => number } {
  const inDir = (p: unknown) => typeof p === 'string' && path.resolve(p).startsWith(`${dir}${path.sep}`);
  const fds = new Set<number>();
  let bytes = 0;
  const size = (data: unknown, length?: unknown) =>
    typeof length === 'number' ? length : typeof data === 'string' ? Buffer.byteLength(data) : ArrayBuffer.isView(data) ? data.byteLength : 0;
  // The module itself, not this file's import of it: compiled imports read its properties at each call.
  const real = process.getBuiltinModule('node:fs');
  const { openSync, closeSync, writeSync, writeFileSync, appendFileSync } = real;
  const mutableFs = real as unknown as Record<string, unknown>;
  mutableFs.openSync = (p: fs.PathLike, ...rest: unknown[]) => {
    const fd = (openSync as (...a: unknown[]) => number)(p, ...rest);
    if (inDir(p)) fds.add(fd);
    return fd;
  };
  mutableFs.closeSync = (fd: number) => {
    fds.delete(fd);
    closeSync(fd);
  };
  mutableFs.writeSync = (fd: number, data: unknown, ...rest: unknown[]) => {
    const written = (writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
    if (fds.has(fd)) bytes += written;
    return written;
  };
  mutableFs.writeFileSync = (p: fs.PathOrFileDescriptor, data: unknown, ...rest: unknown[]) => {
    (writeFileSync as (...a: unknown[]) => void)(p, data, ...rest);
    if (inDir(p) || (typeof p === 'number' && fds.has(p))) bytes += size(data);
  };
  mutableFs.appendFileSync = (p: fs.PathOrFileDescriptor, data: unknown, ...rest: unknown[]) => {
    (appendFileSync as (...a: unknown[]) => void)(p, data, ...rest);
    if (inDir(p) || (typeof p === 'number' && fds.has(p))) bytes += size(data);
  };
  return { bytes: () => bytes };
}

interface Client {
  call(method: string, pathAndQuery: string, body?: unknown, headers?: Record<string, string>): Promise<unknown>;
}

function clientFor(sandbox: XeroSandbox, accessToken: string, tenantId: string): Client {
  return {
    async call(method, pathAndQuery, body, headers = {}) {
      const res = await fetch(`${sandbox.accountingBasePath}${pathAndQuery}`, {
        method,
        headers: {
          authorization: `Bearer ${accessToken}`,
          'xero-tenant-id': tenantId,
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${method} ${pathAndQuery}: ${res.status} ${text.slice(0, 300)}`);
      return JSON.parse(text) as unknown;
    },
  };
}

const numberOf = (i: number) => `VOL-${String(i).padStart(7, '0')}`;
const contactOf = (i: number) => Math.floor(i / INVOICES_PER_CONTACT) % Math.max(1, Math.ceil(LARGE / INVOICES_PER_CONTACT));

function invoice(i: number): Record<string, unknown> {
  const c = contactOf(i);
  return {
    Type: 'ACCREC',
    InvoiceNumber: numberOf(i),
    Reference: `LNB order ${i}`,
    Contact: { ContactNumber: `RET-${c}`, Name: `Retailer ${c}` },
    Date: '2026-03-02',
    DueDate: '2026-04-01',
    Status: 'AUTHORISED',
    LineAmountTypes: 'Exclusive',
    CurrencyCode: 'GBP',
    LineItems: [
      { Description: 'Wool coat, navy, size 40', Quantity: 3, UnitAmount: 129.5, AccountCode: '200', TaxType: 'OUTPUT2', ItemCode: `SKU-${i % 500}` },
      { Description: 'Silk scarf', Quantity: 2, UnitAmount: 45, AccountCode: '200', TaxType: 'OUTPUT2', ItemCode: `SKU-${(i + 7) % 500}` },
    ],
  };
}

const createBatch = (client: Client, from: number, key?: string) =>
  client.call(
    'PUT',
    '/Invoices?summarizeErrors=false',
    { Invoices: Array.from({ length: BATCH }, (_, k) => invoice(from + k)) },
    key ? { 'Idempotency-Key': key } : {},
  );

interface Timed {
  p50: number;
  p95: number;
  stateBytesPerCall: number;
}

/** `reps` calls one after another: p50/p95 in ms and the state file's bytes per call (including a save the call scheduled). */
async function timed(reps: number, writes: { bytes: () => number }, fn: (rep: number) => Promise<unknown>): Promise<Timed> {
  for (let r = 0; r < WARM_UP; r++) await fn(reps + r);
  const before = writes.bytes();
  const ms: number[] = [];
  for (let r = 0; r < reps; r++) {
    const started = performance.now();
    await fn(r);
    ms.push(performance.now() - started);
  }
  // A sandbox that saves on a timer (the code before this benchmark: at most every 500 ms) writes for these
  // calls a little later: its write is counted here too.
  await new Promise((resolve) => setTimeout(resolve, 700));
  const round = (v: number) => Math.round(v * 100) / 100;
  return { p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)), stateBytesPerCall: Math.round((writes.bytes() - before) / reps) };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'xero-sandbox-volume-'));
  const writes = countWritesUnder(dir);
  const stateFile = path.join(dir, 'state.json');
  const sandbox = await startXeroSandbox({ stateFile, limits: false, specPath: process.env.XERO_SANDBOX_SPEC || undefined });
  const tokens = await sandbox.connect();
  const tenantId = sandbox.tenantIds[0];
  const client = clientFor(sandbox, tokens.access_token, tenantId);
  let next = 0;
  const sizes: Record<string, unknown>[] = [];
  try {
    for (const size of [SMALL, LARGE]) {
      const fillStarted = performance.now();
      while (next < size) {
        await createBatch(client, next);
        next += BATCH;
      }
      const fillSeconds = Math.round((performance.now() - fillStarted) / 100) / 10;
      // If-Modified-Since has whole seconds: the next second boundary, waited past, so the pages below hold
      // what the creates below add and nothing of the fill, at either size.
      const boundary = Math.ceil((Date.now() + 1) / 1000) * 1000;
      await new Promise((resolve) => setTimeout(resolve, boundary - Date.now() + 1));
      const since = new Date(boundary).toUTCString();
      const held = next;
      const create = await timed(CREATES, writes, async (rep) => {
        await createBatch(client, next, `volume-${size}-${rep}`);
        next += BATCH;
      });
      const lookupByNumber = await timed(REPS, writes, (rep) => {
        const numbers = Array.from({ length: LOOKUP }, (_, k) => numberOf((rep * 7919 + k * 104_729) % held));
        return client.call('GET', `/Invoices?InvoiceNumbers=${encodeURIComponent(numbers.join(','))}`);
      });
      const contactsByNumber = await timed(REPS, writes, (rep) => {
        const ids = Array.from({ length: LOOKUP }, (_, k) => contactOf((rep * 7919 + k * 104_729) % held));
        const where = [...ids.map((c) => `ContactNumber=="RET-${c}"`), ...ids.map((c) => `Name=="Retailer ${c}"`)].join(' OR ');
        return client.call('GET', `/Contacts?where=${encodeURIComponent(where)}&includeArchived=true`);
      });
      const pages = Math.max(1, Math.ceil(((CREATES + WARM_UP) * BATCH) / 100));
      const modifiedSincePaging = await timed(REPS, writes, (rep) =>
        client.call('GET', `/Invoices?page=${(rep % pages) + 1}&pageSize=100`, undefined, { 'If-Modified-Since': since }),
      );
      sizes.push({
        invoices: held,
        fillSeconds,
        stateFileBytes: fs.statSync(stateFile).size,
        heapMb: Math.round(process.memoryUsage().heapUsed / 1e6),
        calls: { create50: create, lookupByNumber, contactsByNumber, modifiedSincePaging },
      });
    }
  } finally {
    await sandbox.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const [small, large] = sizes.map((s) => s.calls as Record<string, Timed>);
  const p95Ratio = Object.fromEntries(Object.keys(small).map((k) => [k, Math.round((large[k].p95 / small[k].p95) * 100) / 100]));
  process.stdout.write(
    `${JSON.stringify({
      bench: 'xero-sandbox-volume',
      fill: 'HTTP API, PUT /Invoices 50 a call',
      sizes,
      p95Ratio,
      target: 'p95 at the large size <= 1.5x p95 at the small',
      met: Object.values(p95Ratio).every((r) => r <= 1.5),
      loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
