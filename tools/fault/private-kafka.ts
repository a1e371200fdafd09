// A Kafka broker of the fault suite's own (tools/kafka/kafka.sh on its own port and data directory), so the
// suite can kill -9 it and start it again without touching the broker every other test uses.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { waitFor } from '@lnbx/testing';

const ROOT = path.resolve(__dirname, '../..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface PrivateKafka {
  brokers: string;
  /** kill -9 of the broker (its log and its KRaft metadata stay on disk), then a start on the same data. */
  killAndStart(): Promise<void>;
  destroy(): void;
}

export function startPrivateKafka(port: number): PrivateKafka {
  const data = mkdtempSync('/tmp/lnbx-fault-kafka-');
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_SECURE: '0', KAFKA_DATA: data, KAFKA_HEAP: '512m' };
  const script = (command: string): void => {
    execFileSync('bash', [path.join(ROOT, 'tools/kafka/kafka.sh'), command], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  script('start');
  return {
    brokers: `127.0.0.1:${port}`,
    async killAndStart() {
      const pid = Number(readFileSync(path.join(data, 'kafka.pid'), 'utf8').trim());
      process.kill(pid, 'SIGKILL');
      await waitFor('the killed broker to be gone', () => !alive(pid), { timeoutMs: 30_000, intervalMs: 50 });
      // kafka.sh start waits until the broker answers a produce and a consume again.
      script('start');
    },
    destroy() {
      try {
        script('stop');
      } finally {
        rmSync(data, { recursive: true, force: true });
      }
    },
  };
}
