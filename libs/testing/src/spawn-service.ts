import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { waitFor } from './wait-for';

export interface SpawnedService {
  name: string;
  url: string;
  process: ChildProcess;
  /** Every JSON log line the service printed so far. */
  logs: Record<string, unknown>[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

// The repo root, whether this file runs from source or compiled into dist/ (benchmarks).
const up = path.resolve(__dirname, '../../..');
const root = path.basename(up) === 'dist' ? path.dirname(up) : up;

/**
 * Starts one of the apps as its own process, from source, and waits for its "service started" line
 * (or `readyMessage`; the line carries its URL). Separate processes, so a test crosses real process boundaries over Kafka.
 * `fromDist` runs the compiled app instead (after `npm run build`), as production does: benchmarks
 * measure it without the compile-on-require cost and the inline source maps' memory.
 */
export async function spawnService(
  app: string,
  env: Record<string, string>,
  { timeoutMs = 60_000, nodeArgs = [] as string[], readyMessage = 'service started', fromDist = false } = {},
): Promise<SpawnedService> {
  const entry = fromDist
    ? ['-r', path.join(root, 'tools/runtime/register.js'), path.join(root, `dist/apps/${app}/src/main.js`)]
    : ['-r', path.join(root, 'tools/runtime/register-ts.js'), path.join(root, `apps/${app}/src/main.ts`)];
  const child = spawn(process.execPath, [...nodeArgs, ...entry], {
    cwd: root,
    env: { ...process.env, HTTP_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // An early exit ends the wait at once, with what the service said on its way out.
  const early = exited.then((code) => {
    throw new Error(`${app} exited with ${code} before it started: ${stderr.slice(-2000)}`);
  });
  const started = waitFor(
    `${app} to start`,
    () => {
      const line = logs.find((l) => l.msg === readyMessage);
      return line ? String(line.url) : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
  early.catch(() => undefined);
  const url = await Promise.race([started, early]).catch((err) => {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr.slice(-2000)}`);
  });
  return {
    name: app,
    url,
    process: child,
    logs,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
