// What a valid schedule is and when it fires: the poller fires by these functions and the monitor
// validates and previews by them, so a preview and a firing can never disagree.
import { Cron } from 'croner';

/** A flow's schedule as the events carry it: a cron expression in a time zone, or off. */
export interface Schedule {
  enabled: boolean;
  cron?: string | null;
  timeZone?: string | null;
}

export interface ScheduleProblem {
  field: 'cron' | 'timeZone';
  /** Plain words, starting with the field's name. */
  message: string;
}

/** A schedule without a zone runs in UTC, explicitly: never in the zone of whichever process reads it. */
export const DEFAULT_TIME_ZONE = 'UTC';

/** An expression whose next firing is further away than this is refused as one that never fires. */
export const FIRING_HORIZON_YEARS = 10;

/** The shortest time between two firings a deployment allows unless configured otherwise: each run reads LNB. */
export const DEFAULT_MIN_INTERVAL_MINUTES = 5;

export interface ScheduleRules {
  /**
   * Firings closer together than this are refused. Default 0: validity alone (what the poller checks, so
   * a stored schedule keeps firing); the API passes the deployment's minimum (DEFAULT_MIN_INTERVAL_MINUTES).
   */
  minIntervalMinutes?: number;
}

/** How far ahead the gaps between firings are looked at: every pattern of a cron repeats within a year, weekdays aside. */
const GAP_HORIZON_DAYS = 400;
const GAP_FIRINGS_LOOKED_AT = 1000;

const FIELDS = 'minute hour day-of-month month day-of-week';
const SECOND = 1000;
const DAY = 86_400_000;

/** Null when `zone` is an IANA time zone that Intl knows. */
export function timeZoneProblem(zone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return null;
  } catch {
    return `timeZone must be an IANA time zone such as Europe/Paris (or none, for UTC), got ${quote(zone)}`;
  }
}

/** Every problem with a schedule, each naming its field; empty when it is fine. Off needs no cron. */
export function scheduleProblems(s: Schedule, now: Date = new Date(), rules: ScheduleRules = {}): ScheduleProblem[] {
  const compiled = compile(s, now);
  if (!compiled.cron || !s.cron) return compiled.problems;
  const min = rules.minIntervalMinutes ?? 0;
  if (min <= 0) return compiled.problems;
  const gap = shortestGapMinutes(compiled.cron, wallClock(compiled.zone)(now.getTime()));
  if (gap !== null && gap < min) {
    const every = gap === 1 ? 'every minute' : `${gap} minutes apart`;
    return [
      ...compiled.problems,
      {
        field: 'cron',
        message: `cron fires too often: ${quote(s.cron)} fires ${every} at its closest, and runs must be at least ${min} minutes apart`,
      },
    ];
  }
  return compiled.problems;
}

/**
 * The shortest time, in whole minutes, between two firings on the zone's wall clock over the next
 * GAP_HORIZON_DAYS (at most GAP_FIRINGS_LOOKED_AT firings: past that many, the gap is already small);
 * null with fewer than two firings in that time.
 */
function shortestGapMinutes(cron: Cron, fromWall: number): number | null {
  const until = fromWall + GAP_HORIZON_DAYS * DAY;
  let previous = nextWallTime(cron, fromWall);
  let shortest: number | null = null;
  for (let i = 0; previous !== null && previous <= until && i < GAP_FIRINGS_LOOKED_AT; i++) {
    const next = nextWallTime(cron, previous);
    if (next === null || next > until) break;
    const gap = Math.round((next - previous) / 60_000);
    if (shortest === null || gap < shortest) shortest = gap;
    if (shortest <= 1) break;
    previous = next;
  }
  return shortest;
}

/**
 * The firings of a schedule strictly after `after`, in order, without end; nothing when it is off or
 * not valid (what scheduleProblems refuses never fires).
 *
 * A firing is the first moment the zone's clock shows the expression's wall time or later: a time
 * the clocks skip (02:30 when summer time starts) fires once, as they jump; a time they pass twice
 * fires the first time only. Wall times are read and written with Intl, and croner matches the
 * expression on a clock with no zone at all: croner's own zone support reads dates in the process's
 * zone and, run with TZ=Europe/Paris, skips an hour of a UTC schedule's firings once a year.
 */
export function* firingsAfter(s: Schedule, after: Date): Generator<Date, void, undefined> {
  const { cron, zone } = compile(s, after);
  if (!cron) return;
  const from = after.getTime();
  const clock = wallClock(zone);
  // A wall time may fire up to one clock change after it is shown: look back by that much.
  let wall = clock(from) - clockChangeNear(from, clock);
  let last = from;
  for (;;) {
    const next = nextWallTime(cron, wall);
    if (next === null) return;
    wall = next;
    const at = instantOf(wall, clock);
    if (at <= last) continue;
    last = at;
    yield new Date(at);
  }
}

/** The next `count` firings strictly after `after` (fewer or none when off or not valid). */
export function nextFirings(s: Schedule, after: Date, count: number): Date[] {
  const out: Date[] = [];
  if (count <= 0) return out;
  for (const at of firingsAfter(s, after)) {
    out.push(at);
    if (out.length >= count) break;
  }
  return out;
}

/** The next firing strictly after `after`, or null when the schedule is off or not valid. */
export function nextFiring(s: Schedule, after: Date): Date | null {
  return nextFirings(s, after, 1)[0] ?? null;
}

function compile(s: Schedule, now: Date): { problems: ScheduleProblem[]; cron?: Cron; zone: string } {
  const problems: ScheduleProblem[] = [];
  const zone = s.timeZone ?? DEFAULT_TIME_ZONE;
  const zoneProblem = timeZoneProblem(zone);
  if (zoneProblem) problems.push({ field: 'timeZone', message: zoneProblem });
  // Off needs no cron, but one that is given must be valid, so no event ever carries a broken one.
  if (s.cron === undefined || s.cron === null || s.cron.trim() === '') {
    if (s.enabled) problems.push({ field: 'cron', message: 'cron is required when the schedule is enabled' });
    return { problems, zone };
  }
  const checkedZone = zoneProblem ? DEFAULT_TIME_ZONE : zone;
  const compiled = compileCron(s.cron, checkedZone, now);
  if ('problem' in compiled) return { problems: [...problems, { field: 'cron', message: compiled.problem }], zone };
  return problems.length || !s.enabled ? { problems, zone } : { problems, cron: compiled.cron, zone };
}

function compileCron(expression: string, zone: string, now: Date): { cron: Cron } | { problem: string } {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    const why = fields.length === 6 ? ': a sixth field (seconds) is not supported' : '';
    return { problem: `cron must have exactly 5 fields (${FIELDS}), got ${fields.length}${why}` };
  }
  // croner reads "?" as "the value at the moment the expression is read", so one schedule would fire
  // at different times depending on when the monitor or the poller parsed it.
  if (fields.some((f) => f.includes('?'))) return { problem: 'cron may not contain "?": write * instead' };
  let cron: Cron;
  try {
    // utcOffset 0: croner computes with UTC getters only, whatever the process's zone (see firingsAfter).
    cron = new Cron(fields.join(' '), { utcOffset: 0, paused: true });
  } catch (err) {
    return { problem: `cron is not a valid expression: ${quote(expression)} (${cronerReason(err)})` };
  }
  const wall = wallClock(zone)(now.getTime());
  const horizon = new Date(wall);
  horizon.setUTCFullYear(horizon.getUTCFullYear() + FIRING_HORIZON_YEARS);
  const next = nextWallTime(cron, wall);
  if (next === null || next > horizon.getTime()) {
    return { problem: `cron never fires: no date in the next ${FIRING_HORIZON_YEARS} years matches ${quote(expression)}` };
  }
  return { cron };
}

/** The next wall time after `wall` that the expression matches (both as if the clock were UTC). */
function nextWallTime(cron: Cron, wall: number): number | null {
  try {
    return cron.nextRun(new Date(wall))?.getTime() ?? null;
  } catch {
    // croner searches a date that never comes up to the year 3000 by recursion, and for some
    // expressions (0 0 31 4,6,9,11 *) runs out of stack first: no firing either way.
    return null;
  }
}

type WallClock = (instant: number) => number;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's clock: what it shows at an instant, as a number of ms as if it were UTC. */
function wallClock(zone: string): WallClock {
  let format = formatters.get(zone);
  if (!format) {
    // Spellings of zones are many (Intl ignores case): keep the cache small rather than complete.
    if (formatters.size >= 64) formatters.clear();
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  const f = format;
  return (instant) => {
    const p: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
    for (const { type, value } of f.formatToParts(instant)) if (type !== 'literal') p[type] = Number(value);
    const wall = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
    return wall + (((instant % SECOND) + SECOND) % SECOND);
  };
}

/** How far the zone's clock moves at a change near `instant` (0 when none is within a day). */
function clockChangeNear(instant: number, clock: WallClock): number {
  const offsets = [instant - DAY, instant, instant + DAY].map((t) => clock(t) - t);
  return Math.max(...offsets) - Math.min(...offsets);
}

/** The first instant at which the zone's clock shows `wall` or later. */
function instantOf(wall: number, clock: WallClock): number {
  const offsets = [wall - DAY, wall, wall + DAY].map((t) => clock(t) - t);
  const shown = offsets.map((o) => wall - o).filter((t) => clock(t) === wall);
  if (shown.length) return Math.min(...shown);
  // The clocks jumped over `wall`: find the jump, to the second, between the two offsets.
  let lo = Math.floor((wall - Math.max(...offsets)) / SECOND);
  let hi = Math.ceil((wall - Math.min(...offsets)) / SECOND);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (clock(mid * SECOND) >= wall) hi = mid;
    else lo = mid;
  }
  return hi * SECOND;
}

function cronerReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const reason = message.replace(/^CronPattern:\s*/, '');
  return reason.charAt(0).toLowerCase() + reason.slice(1);
}

/** A value as it can be shown in a message: quoted, control characters escaped, cut when long. */
function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}
