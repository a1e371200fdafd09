// The four services as their own processes, kept running the way an orchestrator (docker-compose's
// `restart: unless-stopped`, Kubernetes) keeps them: whatever ends a process, the suite's kill -9 or a crash of
// its own, the same service starts again with the same settings. What ended each one is kept, to report.
import { spawnService, type SpawnedService } from '@lnbx/testing';

export interface Exit {
  app: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  planned: boolean;
  /** Why it could not be started again. */
  error?: string;
}

export class Supervisor {
  private readonly running = new Map<string, SpawnedService>();
  private readonly starting = new Map<string, Promise<SpawnedService>>();
  private readonly plannedKills = new Set<number>();
  private stopping = false;
  readonly exits: Exit[] = [];
  readonly restarts = new Map<string, number>();

  constructor(private readonly envOf: (app: string) => Record<string, string>) {}

  async start(app: string): Promise<SpawnedService> {
    const pending = this.starting.get(app);
    if (pending) return pending;
    const started = (async () => {
      // A start that fails (the database restarting, the broker not yet back) is tried again: an orchestrator would.
      for (let attempt = 1; ; attempt++) {
        try {
          const s = await spawnService(app, this.envOf(app), { timeoutMs: 120_000 });
          this.watch(app, s);
          return s;
        } catch (err) {
          if (this.stopping || attempt >= 5) throw err;
        }
      }
    })();
    this.starting.set(app, started);
    try {
      const s = await started;
      this.running.set(app, s);
      return s;
    } finally {
      this.starting.delete(app);
    }
  }

  private watch(app: string, s: SpawnedService): void {
    s.process.once('exit', (code, signal) => {
      const planned = this.plannedKills.delete(s.process.pid!);
      this.exits.push({ app, code, signal, planned });
      if (this.running.get(app) === s) this.running.delete(app);
      if (this.stopping) return;
      this.restarts.set(app, (this.restarts.get(app) ?? 0) + 1);
      // Restarted at once; a start that fails for good fails the suite when it next waits on this service.
      this.start(app).catch((err: unknown) => this.exits.push({ app, code: null, signal: null, planned: false, error: String(err) }));
    });
  }

  /**
   * kill -9, as the host losing the process; returns once it is gone (it starts again in the background, as an
   * orchestrator would start it: `ready` waits for that).
   */
  async kill(app: string): Promise<void> {
    const s = await this.ready(app);
    this.plannedKills.add(s.process.pid!);
    const exited = new Promise((resolve) => s.process.once('exit', resolve));
    s.process.kill('SIGKILL');
    await exited;
  }

  /** The service as it runs now, waiting for a start in progress. */
  async ready(app: string): Promise<SpawnedService> {
    const s = this.running.get(app);
    if (s) return s;
    const pending = this.starting.get(app);
    if (pending) return pending;
    return this.start(app);
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.starting.values()].map((p) => p.catch(() => undefined)));
    await Promise.all([...this.running.values()].map((s) => s.stop()));
  }
}
