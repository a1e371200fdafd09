// Checks a schedule before it is sent to the poller: the cron expression with croner (the library the
// poller's scheduler can use too), the time zone with Intl (an IANA zone Node knows).
import { Cron } from 'croner';

export function cronProblem(cron: string): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) return `cron must have 5 or 6 fields (minute hour day month weekday), got ${fields.length}`;
  try {
    new Cron(cron, { paused: true });
    return null;
  } catch (err) {
    return `cron is not a valid expression: ${(err as Error).message}`;
  }
}

export function timeZoneProblem(zone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return null;
  } catch {
    return `timeZone must be an IANA time zone such as Europe/Paris, got "${zone}"`;
  }
}

/** The next `n` times the schedule fires (ISO), for the editor to show what a cron means. */
export function nextRuns(cron: string, timeZone: string | null | undefined, n = 3, from = new Date()): string[] {
  if (cronProblem(cron) || (timeZone && timeZoneProblem(timeZone))) return [];
  const job = new Cron(cron, { paused: true, timezone: timeZone ?? undefined });
  return job.nextRuns(n, from).map((d) => d.toISOString());
}
