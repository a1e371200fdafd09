// What running a docs generator does, the same for each: write its doc, or with --check only say whether the
// doc is what it would write (exit 1 when stale). The unit test (generated-docs.spec.ts) makes the same check.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface GeneratedDoc {
  /** The file, absolute. */
  file: string;
  /** The npm script that writes it. */
  script: string;
  /** The doc as the generator would write it now. */
  render(): string;
}

/** The doc as it is on disk; empty when missing (a missing doc is a stale one). */
export function current(doc: GeneratedDoc): string {
  try {
    return readFileSync(doc.file, 'utf8');
  } catch {
    return '';
  }
}

/** The command line: `--check` compares, anything else writes. `summary` says what the doc holds (`24 events`). */
export function writeOrCheck(doc: GeneratedDoc, summary: string, argv: readonly string[] = process.argv): void {
  const wanted = doc.render();
  const shown = path.relative(process.cwd(), doc.file);
  if (argv.includes('--check')) {
    if (current(doc) !== wanted) {
      console.error(`${shown} is stale: run npm run ${doc.script}`);
      process.exit(1);
    }
    console.log(`${shown} is up to date (${summary})`);
  } else {
    writeFileSync(doc.file, wanted);
    console.log(`wrote ${shown} (${summary})`);
  }
}
