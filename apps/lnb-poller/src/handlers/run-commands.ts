// What a run's commands are handed to, from the Kafka handler, the scheduler and the run executor: decided on
// the run's own stream, appended expecting the version decided on, and the queue's row (and, when the run
// completes, its connection's flow's progress) written from evolve, all in the caller's transaction.
import { isCodedError } from '@lnbx/contracts';
import type { Transaction } from '@lnbx/event-store';
import { Outbox } from '@lnbx/messaging';
import { Injectable } from '@nestjs/common';
import { decideRun, newRun, progressOf, type RunCommand, type RunRefusal, type RunRequest, type RunState } from '../domain/run';
import { RunStore } from '../store/run-store';
import { RunStreams } from '../store/run-streams';

export type RunOutcome = { ok: true; state: RunState } | RunRefusal;

@Injectable()
export class RunCommands {
  constructor(
    private readonly outbox: Outbox,
    private readonly streams: RunStreams,
    private readonly runs: RunStore,
  ) {}

  /**
   * Decides `command` on `state` (the stream as the caller last saw it: an executor keeps the run it holds
   * in memory), appends what it makes happen expecting that version, and projects the state after. A
   * refusal writes nothing; an append behind another writer's throws STORE.WRONG_EXPECTED_VERSION.
   */
  async decide(tx: Transaction, state: RunState, command: RunCommand): Promise<RunOutcome> {
    const decision = decideRun(command, state);
    if (!decision.ok) return decision;
    if (!decision.events.length) return { ok: true, state };
    const after = await this.streams.append(tx, state, decision.events);
    // A stored page changes nothing the queue's row shows: no write per page.
    if (decision.events.some((e) => e.type !== 'PageStored'))
      await this.runs.project(tx, after, { claimed: decision.events.some((e) => e.type === 'RunClaimed') });
    const progress = decision.events.some((e) => e.type === 'RunCompleted') ? progressOf(after) : null;
    if (progress) await this.runs.projectProgress(tx, progress, null);
    return { ok: true, state: after };
  }

  /** A RunRequested consumed from Kafka joins the queue (a scheduled run's own request is in its stream already). */
  async queue(tx: Transaction, request: RunRequest, at: string): Promise<void> {
    const state = await this.streams.load(tx, request.runId);
    const outcome = await this.decide(tx, state, { type: 'QueueRun', request, at });
    // Nothing new to append: queued already, though a run an older poller's scheduler fired has no row yet.
    if (outcome.ok && outcome.state === state) await this.runs.project(tx, state, { ifMissing: true });
  }

  /** The scheduler fires a run: a new stream, and its row in the queue. */
  async request(tx: Transaction, command: Extract<RunCommand, { type: 'RequestRun' }>): Promise<void> {
    const outcome = await this.decide(tx, newRun(command.value.runId), command);
    if (!outcome.ok) throw new Error(outcome.message);
  }

  /**
   * Takes the next run this instance may run, or none: of the connection with the fewest runs in flight, the
   * oldest; none of the connections in `busy`. The queue says which runs are free (it spans runs: one
   * connection's flow's runs one at a time); each run's stream says whether it may be taken. A run found ended
   * is taken off the queue; one another instance wrote to meanwhile is left to the next claim.
   */
  async claim(worker: string, leaseMs: number, busy: readonly string[] = []): Promise<RunState | undefined> {
    return this.outbox.store.withTransaction(async (tx) => {
      await this.runs.lockClaims(tx);
      for (const candidate of await this.runs.claimable(tx, leaseMs, busy)) {
        const state = await this.streams.load(tx, candidate.request.runId);
        const command: RunCommand = {
          type: 'ClaimRun',
          worker,
          leaseMs,
          at: candidate.now.toISOString(),
          holderSeenAt: candidate.heartbeatAt?.toISOString() ?? null,
          request: candidate.request,
        };
        try {
          const outcome = await this.decide(tx, state, command);
          if (outcome.ok) return outcome.state;
          if (outcome.code === 'RUN.FINISHED') await this.runs.project(tx, state);
        } catch (err) {
          // The holder it was taken from stored a page meanwhile (the append's check is a read, not an SQL
          // error, so the transaction goes on): its next heartbeat says it is alive.
          if (!isCodedError(err, 'STORE.WRONG_EXPECTED_VERSION')) throw err;
        }
      }
      return undefined;
    });
  }
}
