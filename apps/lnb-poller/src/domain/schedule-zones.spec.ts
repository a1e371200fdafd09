// The monitor's preview (nextFirings of @lnbx/scheduling) and the poller's firing (dueFiring, tick by
// tick) give the same instants whatever zone the process runs in, and a schedule without a zone fires
// in UTC. Each zone runs in a child process started with TZ set: inside Jest, process.env is a copy
// the JavaScript engine never reads, so setting TZ there would prove nothing.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '../../../..');

type Case = [schedule: { enabled: boolean; cron: string; timeZone: string | null }, from: string, count: number];
const CASES: Case[] = [
  [{ enabled: true, cron: '0 6 * * *', timeZone: null }, '2026-03-02T12:00:00Z', 3],
  [{ enabled: true, cron: '0 6 * * *', timeZone: 'Europe/Paris' }, '2026-03-27T12:00:00Z', 3],
  // Around the hour Paris skips: croner's own zone support, run with TZ=Europe/Paris, lost these.
  [{ enabled: true, cron: '*/15 * * * *', timeZone: null }, '2026-03-29T00:50:00Z', 10],
  [{ enabled: true, cron: '0 3 * * *', timeZone: 'UTC' }, '2026-03-29T02:30:00Z', 2],
  [{ enabled: true, cron: '*/30 * * * *', timeZone: 'America/New_York' }, '2026-03-29T00:10:00Z', 8],
  [{ enabled: true, cron: '30 2 * * *', timeZone: 'Europe/Paris' }, '2026-10-24T12:00:00Z', 2],
];

// Previews as the monitor computes them; firings as the scheduler finds them, ticking every minute and
// keeping the last firing as poller.schedules does.
const CHILD = `
  const { nextFirings } = require('@lnbx/scheduling');
  const { dueFiring } = require('./apps/lnb-poller/src/domain/schedule.ts');
  const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  const results = cases.map(([schedule, from, count]) => {
    const preview = nextFirings(schedule, new Date(from), count).map((d) => d.toISOString());
    const fired = [];
    let last = new Date(from);
    for (let now = last.getTime(); fired.length < count && now < last.getTime() + 7 * 86400000; now += 60000) {
      const due = dueFiring(schedule, last, new Date(now));
      if (due) { fired.push(due.toISOString()); last = due; }
    }
    return { preview, fired };
  });
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  process.stdout.write(JSON.stringify({ zone, offsetInJanuary: new Date('2026-01-15T12:00:00Z').getTimezoneOffset(), results }));
`;

type ChildOutput = { zone: string; offsetInJanuary: number; results: { preview: string[]; fired: string[] }[] };

function runWithTz(tz: string): ChildOutput {
  const out = execFileSync(process.execPath, ['-r', './tools/runtime/register-ts.js', '-e', CHILD], {
    cwd: ROOT,
    env: { ...process.env, TZ: tz },
    input: JSON.stringify(CASES),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out);
}

describe('a preview and a firing agree whatever zone the process runs in', () => {
  let paris: ChildOutput;
  let utc: ChildOutput;
  beforeAll(() => {
    paris = runWithTz('Europe/Paris');
    utc = runWithTz('UTC');
  }, 120_000);

  it('runs the child in the zone asked for', () => {
    expect(paris).toMatchObject({ zone: 'Europe/Paris', offsetInJanuary: -60 });
    expect(utc).toMatchObject({ zone: 'UTC', offsetInJanuary: 0 });
  });

  it('in Europe/Paris, the preview gives exactly the instants the poller fires at', () => {
    paris.results.forEach(({ preview, fired }, i) => {
      expect(preview).toHaveLength(CASES[i][2]);
      expect(fired).toEqual(preview);
    });
  });

  it('gives the same instants in a UTC process and in a Europe/Paris one', () => {
    expect(paris.results).toEqual(utc.results);
  });

  it('fires a schedule without a zone in UTC, not in the zone of the process', () => {
    expect(paris.results[0].fired).toEqual(['2026-03-03T06:00:00.000Z', '2026-03-04T06:00:00.000Z', '2026-03-05T06:00:00.000Z']);
    expect(paris.results[2].fired.slice(0, 6)).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:15:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-29T01:45:00.000Z',
      '2026-03-29T02:00:00.000Z',
      '2026-03-29T02:15:00.000Z',
    ]);
    expect(paris.results[3].fired).toEqual(['2026-03-29T03:00:00.000Z', '2026-03-30T03:00:00.000Z']);
  });
});
