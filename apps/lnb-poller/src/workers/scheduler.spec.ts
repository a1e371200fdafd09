// The scheduler fires every connection's due schedules, each in its own time zone, else its connection's, else
// UTC, and asks for a run of that connection; a paused connection's firing is spent without a run.
import type { JsonLogger } from '@lnbx/platform';
import type { Outbox } from '@lnbx/messaging';
import type { PollerConfig } from '../config';
import type { RunCommands } from '../handlers/run-commands';
import type { ScheduleRow, ScheduleStore } from '../store/schedule-store';
import { Scheduler } from './scheduler';

const NOW = new Date('2026-03-10T00:30:00.000Z');

const row = (fields: Partial<ScheduleRow> & Pick<ScheduleRow, 'connection_id' | 'cron'>): ScheduleRow => ({
  flow: 'invoices',
  enabled: true,
  time_zone: null,
  last_fired_for: new Date('2026-03-09T12:00:00.000Z'),
  updated_at: new Date('2026-03-01T00:00:00.000Z'),
  connection_status: null,
  paused_reason: null,
  connection_time_zone: null,
  ...fields,
});

function scheduler(rows: ScheduleRow[]) {
  const claimed: { connectionId: string; fireAt: string }[] = [];
  const requested: { connectionId: string; flow: string; trigger: string }[] = [];
  const schedules = {
    enabled: async () => rows,
    claimFiring: async (_tx: unknown, connectionId: string, _flow: string, fireAt: Date) => {
      claimed.push({ connectionId, fireAt: fireAt.toISOString() });
      return true;
    },
  } as unknown as ScheduleStore;
  const outbox = { store: { withTransaction: (fn: (tx: unknown) => Promise<unknown>) => fn({}) } } as unknown as Outbox;
  const runs = {
    request: async (_tx: unknown, command: { connectionId: string; value: { flow: string; trigger: string } }) =>
      void requested.push({ connectionId: command.connectionId, flow: command.value.flow, trigger: command.value.trigger }),
  } as unknown as RunCommands;
  const logger = { info: () => undefined, warn: () => undefined } as unknown as JsonLogger;
  return { scheduler: new Scheduler(schedules, outbox, runs, { tickMs: 1000 } as PollerConfig, logger), claimed, requested };
}

describe('Scheduler: every connection, each in its time zone', () => {
  it("fires a schedule that names no time zone in its connection's, one that names one in its own, and neither in UTC", async () => {
    const {
      scheduler: s,
      claimed,
      requested,
    } = scheduler([
      // 09:00 in Tokyo is 00:00 UTC: due.
      row({ connection_id: 'tokyo', cron: '0 9 * * *', connection_time_zone: 'Asia/Tokyo' }),
      // 09:00 UTC is hours away.
      row({ connection_id: 'utc', cron: '0 9 * * *', last_fired_for: new Date('2026-03-09T09:00:00.000Z') }),
      // Its own zone (Paris, 01:00 is 00:00 UTC) wins over its connection's (Tokyo: 01:00 was 16:00 UTC yesterday, fired already).
      row({
        connection_id: 'paris',
        cron: '0 1 * * *',
        time_zone: 'Europe/Paris',
        connection_time_zone: 'Asia/Tokyo',
        last_fired_for: new Date('2026-03-09T17:00:00.000Z'),
      }),
    ]);
    expect(await s.tick(NOW)).toBe(2);
    expect(claimed).toEqual([
      { connectionId: 'tokyo', fireAt: '2026-03-10T00:00:00.000Z' },
      { connectionId: 'paris', fireAt: '2026-03-10T00:00:00.000Z' },
    ]);
    expect(requested).toEqual([
      { connectionId: 'tokyo', flow: 'invoices', trigger: 'schedule' },
      { connectionId: 'paris', flow: 'invoices', trigger: 'schedule' },
    ]);
  });

  it("spends a paused or removed connection's firing without a run, and fires the others'", async () => {
    const {
      scheduler: s,
      claimed,
      requested,
    } = scheduler([
      row({ connection_id: 'paused', cron: '*/5 * * * *', connection_status: 'paused', paused_reason: 'holidays' }),
      row({ connection_id: 'removed', cron: '*/5 * * * *', connection_status: 'removed' }),
      row({ connection_id: 'active', cron: '*/5 * * * *', connection_status: 'active' }),
    ]);
    expect(await s.tick(NOW)).toBe(1);
    expect(claimed.map((c) => c.connectionId)).toEqual(['paused', 'removed', 'active']);
    expect(requested.map((r) => r.connectionId)).toEqual(['active']);
  });
});
