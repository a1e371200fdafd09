// Writes docs/events.md from libs/contracts: every event, its topic, its kind and its payload's fields
// with their checks, read from class-validator's metadata. Run: npm run docs:events (--check: exit 1 when the doc is stale).
import { EVENTS } from '@lnbx/contracts';
import { getMetadataStorage } from 'class-validator';
import * as path from 'node:path';
import { type GeneratedDoc, writeOrCheck } from './generated-doc';

type Ctor = new () => object;
const storage = getMetadataStorage();

function fields(target: Ctor): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of storage.getTargetValidationMetadatas(target, '', true, false)) {
    const list = out.get(m.propertyName) ?? [];
    const name = m.name ?? m.type;
    const shown = (m.constraints ?? [])
      .map((c) => (Array.isArray(c) ? c.join(' \\| ') : typeof c === 'number' || typeof c === 'string' ? String(c) : ''))
      .filter(Boolean);
    const label =
      m.type === 'nestedValidation' ? 'nested' : m.type === 'conditionalValidation' ? 'optional' : `${name}${shown.length ? `(${shown.join(', ')})` : ''}`;
    if (!list.includes(label)) list.push(label);
    out.set(m.propertyName, list);
  }
  return out;
}

export const EVENTS_DOC = path.resolve(__dirname, '../../docs/events.md');

/** docs/events.md as the contracts say it should read. */
export function renderEventCatalogue(): string {
  const lines = [
    '# Event catalogue',
    '',
    'Generated from `libs/contracts` by `npm run docs:events`; do not edit by hand.',
    '',
    'Every message is one envelope (`libs/contracts/src/envelope.ts`): `eventId`, `type`, `schemaVersion`,',
    '`occurredAt`, `correlationId` (the run), `causationId`, `producer`, `connectionId`, `key` (the Kafka key),',
    '`payload`. Each topic has a dead-letter topic `<topic>.dlq`.',
    '',
    '| event | kind | topic |',
    '|---|---|---|',
    ...EVENTS.map((d) => `| [${d.type}](#${d.type.toLowerCase()}) | ${d.kind} | \`${d.topic}\` |`),
    '',
  ];
  for (const d of EVENTS) {
    lines.push(
      `## ${d.type}`,
      '',
      `${d.kind === 'command' ? 'Command' : 'Event'}, version ${d.schemaVersion}, on \`${d.topic}\`.`,
      '',
      '| field | checks |',
      '|---|---|',
    );
    for (const [name, checks] of fields(d.Value as Ctor)) lines.push(`| \`${name}\` | ${checks.join(', ')} |`);
    lines.push('');
  }
  return lines.join('\n');
}

export const eventsDoc: GeneratedDoc = { file: EVENTS_DOC, script: 'docs:events', render: renderEventCatalogue };

if (require.main === module) writeOrCheck(eventsDoc, `${EVENTS.length} events`);
