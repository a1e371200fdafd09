import 'reflect-metadata';
import { runService } from '@lnbx/messaging';
import { setFlagsFromString } from 'node:v8';
import { lnbPoller } from './service';

// The poller allocates fast and keeps little (a page of documents at a time), yet V8 lets a heap as
// big as this machine allows grow to four times what survives a full collection before the next.
// 2.5 times keeps the peak RSS of a 100,000-invoice run near 250 MB instead of 310 MB at the same speed
// (docs/benchmarks.md, measured side by side). V8 reads the flag at every full collection, so setting
// it at start works; --heap-growing-percent on the command line wins.
if (!process.execArgv.some((arg) => arg.startsWith('--heap-growing-percent'))) setFlagsFromString('--heap-growing-percent=150');

runService(lnbPoller);
