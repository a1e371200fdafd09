import { Cron } from 'croner';

export interface Schedule {
  enabled: boolean;
  cron?: string | null;
  timeZone?: string | null;
}

/** Problems with a schedule, each naming its field (empty when fine). Off needs nothing. */
export function checkSchedule(s: Schedule): string[] {
  if (!s.enabled) return [];
  const problems: string[] = [];
  if (!s.cron) problems.push('cron: required when the schedule is enabled');
  const zone = s.timeZone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    problems.push(`timeZone: "${zone}" is not an IANA time zone`);
  }
  if (s.cron && !problems.length) {
    try {
      new Cron(s.cron, { timezone: zone, paused: true }).stop();
    } catch (err) {
      problems.push(`cron: "${s.cron}" is not a valid cron expression (${(err as Error).message})`);
    }
  }
  return problems;
}

/**
 * The next time a schedule fires strictly after `after`, or null when it is off. A fire that was
 * missed while no poller ran is fired once on the next tick, not once per missed slot.
 */
export function nextFire(s: Schedule, after: Date): Date | null {
  if (!s.enabled || !s.cron) return null;
  const cron = new Cron(s.cron, { timezone: s.timeZone ?? 'UTC', paused: true });
  const next = cron.nextRun(after);
  cron.stop();
  return next ?? null;
}
