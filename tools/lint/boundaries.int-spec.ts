// The architecture as lint rules: runs the project's own ESLint on code that crosses a boundary.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

function lint(file: string, source: string): string {
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', file], {
      cwd: root,
      input: source,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return '';
  } catch (err) {
    return String((err as { stdout?: Buffer }).stdout ?? err);
  }
}

describe('module boundaries', () => {
  // The rule reads Nx's cached project graph and skips itself when there is none: make it fresh.
  beforeAll(() => execFileSync(process.execPath, [path.join(root, 'node_modules/nx/dist/bin/nx.js'), 'show', 'projects'], { cwd: root, stdio: 'ignore' }));

  it('sees the project graph (the rule never silently skips)', () => {
    expect(lint('libs/contracts/src/y.ts', 'export const y = 1;\n')).not.toMatch(/No cached ProjectGraph/);
  });

  it('an app may not import another app', () => {
    expect(lint('apps/monitor-api/src/x.ts', "import { lnbPoller } from '../../lnb-poller/src/service';\nexport const x = lnbPoller;\n")).toMatch(
      /enforce-module-boundaries/,
    );
  });

  it('contracts import nothing of ours', () => {
    // @lnbx/http-input imports nothing of ours, so the tag rule speaks (a lib that imports contracts, as
    // platform and scheduling do, would be refused first as a circular dependency).
    expect(lint('libs/contracts/src/x.ts', "import { textProblem } from '@lnbx/http-input';\nexport const x = textProblem;\n")).toMatch(
      /type:contracts" cannot depend on any libs with tags/,
    );
    expect(lint('libs/contracts/src/x.ts', "import { JsonLogger } from '@lnbx/platform';\nexport const x = JsonLogger;\n")).toMatch(
      /enforce-module-boundaries/,
    );
  });

  it("a service's production code may not use the sandboxes or the testing lib, its tests may", () => {
    expect(lint('apps/mapper/src/x.ts', "import { waitFor } from '@lnbx/testing';\nexport const x = waitFor;\n")).toMatch(/enforce-module-boundaries/);
    expect(lint('apps/mapper/src/x.int-spec.ts', "import { waitFor } from '@lnbx/testing';\nexport const x = waitFor;\n")).toBe('');
  });

  it("an app's domain/ imports no Nest, Kafka or pg (nor the plumbing over them), only what is pure", () => {
    expect(lint('apps/mapper/src/domain/x.ts', "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n")).toMatch(/domain\/ is pure/);
    expect(lint('apps/xero-exporter/src/domain/x.ts', "import type { Pool } from 'pg';\nexport type X = Pool;\n")).toMatch(/domain\/ is pure/);
    expect(lint('apps/monitor-api/src/domain/x.ts', "import { Outbox } from '@lnbx/messaging';\nexport const x = Outbox;\n")).toMatch(/domain\/ is pure/);
    expect(lint('apps/mapper/src/domain/x.ts', "import { createEnvelope } from '@lnbx/contracts';\nexport const x = createEnvelope;\n")).toBe('');
  });

  it("a benchmark takes an app's module, config and test builders, not its other files", () => {
    expect(lint('bench/mapper/x.ts', "import { mapDocument } from '../../apps/mapper/src/domain/map-document';\nexport const x = mapDocument;\n")).toMatch(
      /starts the app's module/,
    );
    expect(
      lint(
        'bench/mapper/x.ts',
        [
          "import { AppModule } from '../../apps/mapper/src/app.module';",
          "import { MapperConfig } from '../../apps/mapper/src/config';",
          "import { anLnbInvoice } from '../../apps/mapper/src/testing';",
          'export const x = [AppModule, MapperConfig, anLnbInvoice];',
        ].join('\n') + '\n',
      ),
    ).toBe('');
  });

  it('plumbing may use contracts', () => {
    expect(lint('libs/messaging/src/x.ts', "import { decode } from '@lnbx/contracts';\nexport const x = decode;\n")).toBe('');
  });
});
