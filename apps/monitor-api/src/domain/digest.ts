// The failure digest: what went wrong during one window, one line per run, counted by code, in a
// Slack-compatible message ({text, blocks}) that any webhook receiver can read. Credit notes left
// unallocated in Xero are told too, on a line of their own (news for finance, not a failure); a
// waiting allocation is never told.
import { isRunNotice, type Notice, type RunNotice } from './effects';
import { flowLabel } from './log-lines';
import { lostSentence, restoredSentence } from './xero-status';

/** The connection's own news first; a loss the status poll noticed is dropped when the event told it too. */
function connectionLines(notices: Notice[]): string[] {
  const told = notices.some((n) => n.kind === 'connection_lost' && n.source === 'event');
  return notices.flatMap((n) => {
    if (n.kind === 'connection_lost') return told && n.source === 'poll' ? [] : [lostSentence(n)];
    if (n.kind === 'connection_restored') return [restoredSentence(n)];
    return [];
  });
}

export interface DigestMessage {
  text: string;
  blocks: { type: 'section'; text: { type: 'mrkdwn'; text: string } }[];
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

function countCodes(codeLists: string[][]): string {
  const counts = new Map<string, number>();
  for (const codes of codeLists) for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([c, n]) => `${n} x ${c}`)
    .join(', ');
}

const codesIn = (codeLists: string[][]): string => {
  const counted = countCodes(codeLists);
  return counted ? ` (${counted})` : '';
};

/**
 * @param runNumbers the run's short number (as the Integration Center shows it), when known; else the
 *   first 8 characters of its id stand in.
 */
export function summarise(notices: Notice[], runNumbers: ReadonlyMap<string, number> = new Map()): DigestMessage | null {
  if (!notices.length) return null;
  const runName = (runId: string) => (runNumbers.has(runId) ? `Run ${runNumbers.get(runId)}` : `Run ${runId.slice(0, 8)}`);
  const lines = connectionLines(notices);

  const byRun = new Map<string, RunNotice[]>();
  for (const n of notices) if (isRunNotice(n)) byRun.set(n.runId, [...(byRun.get(n.runId) ?? []), n]);
  for (const [runId, items] of byRun) {
    const head = `${runName(runId)} of ${flowLabel(items[0].flow)}`;
    for (const f of items) if (f.kind === 'run_failed') lines.push(`${head} failed: ${f.message} (${f.code})`);
    const rejected = items.flatMap((n) => (n.kind === 'rejected' ? [n] : []));
    if (rejected.length) lines.push(`${head}: ${plural(rejected.length, 'document', 'documents')} rejected${codesIn(rejected.map((r) => r.codes))}`);
    const failed = items.flatMap((n) => (n.kind === 'export_failed' ? [n] : []));
    if (failed.length)
      lines.push(`${head}: ${plural(failed.length, 'document', 'documents')} could not be exported to Xero${codesIn(failed.map((r) => r.codes))}`);
    // Not a failure: the credit notes are in Xero; finance decides what to do with the credit left on them.
    const unallocated = items.flatMap((n) => (n.kind === 'allocation_not_possible' ? [n] : []));
    if (unallocated.length)
      lines.push(`${head}: ${plural(unallocated.length, 'credit note', 'credit notes')} left unallocated in Xero${codesIn(unallocated.map((n) => [n.code]))}`);
  }
  const text = lines.join('\n');
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** The digest of one connection, its first line naming it (one message per connection: brands never share one). */
export function withHeading(digest: DigestMessage, connection: string): DigestMessage {
  const text = `*${connection}*\n${digest.text}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
