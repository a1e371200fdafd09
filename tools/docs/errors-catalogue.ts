// Writes docs/errors.md from libs/contracts' error catalogue: every stable code, whether trying again
// can help, who raises it and what it means. Run: npm run docs:errors (--check: exit 1 when the doc is stale).
import { ERROR_CATALOGUE, ERROR_CODES, SERVICES } from '@lnbx/contracts';
import * as path from 'node:path';
import { type GeneratedDoc, writeOrCheck } from './generated-doc';

export const ERRORS_DOC = path.resolve(__dirname, '../../docs/errors.md');

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** docs/errors.md as the catalogue says it should read. */
export function renderErrorCatalogue(): string {
  const lines = [
    '# Error catalogue',
    '',
    'Generated from `libs/contracts/src/errors/catalogue.ts` by `npm run docs:errors`; do not edit by hand.',
    '',
    'Every problem, failed run, failed export and dead letter carries one of these codes beside a message in',
    'plain words; the task log, the document history and the metrics (`code` labels) show the same codes. A',
    'code keeps its meaning across releases.',
    '',
    '**Retriable**: trying the same thing again later can succeed with nothing in the document, its data or the',
    'configuration changed; the connector retries these by itself (with backoff and any Retry-After, or once a',
    'lost Xero connection is restored). The others need the fix the meaning names, then a retry of the document.',
    '',
    '| code | retriable | raised by | meaning |',
    '|---|---|---|---|',
  ];
  for (const code of ERROR_CODES) {
    const e = ERROR_CATALOGUE[code];
    const raisedBy = e.raisedBy.length === SERVICES.length ? 'every service' : e.raisedBy.join(', ');
    lines.push(`| \`${code}\` | ${e.retriable ? 'yes' : 'no'} | ${raisedBy} | ${cell(e.meaning)} |`);
  }
  return `${lines.join('\n')}\n`;
}

export const errorsDoc: GeneratedDoc = { file: ERRORS_DOC, script: 'docs:errors', render: renderErrorCatalogue };

if (require.main === module) writeOrCheck(errorsDoc, `${ERROR_CODES.length} codes`);
