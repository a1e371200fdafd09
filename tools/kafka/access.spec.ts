// The Kafka access plan (libs/messaging/src/access.ts) against what the code does: every event an app
// creates is one its principal may write, every @EventPattern (or @BatchEventPattern) one it may read, every consumer group one
// it may join. Read from the apps' production sources, so a new handler or event fails here, in CI,
// rather than with an authorisation error on the first secured deployment. Also: the broker script
// makes credentials for exactly the registry's services, and docs/security.md shows the plan as it is.
import { EVENTS, SERVICES, type ServiceName } from '@lnbx/contracts';
import { CONSUMER_GROUPS, renderAccessMatrix, SUBSCRIPTIONS, writersOf } from '@lnbx/messaging';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');
const TYPES = new Set<string>(EVENTS.map((d) => d.type));

function productionSources(app: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'testing') walk(p);
      } else if (e.name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(e.name) && e.name !== 'testing.ts') {
        out.set(path.relative(root, p), readFileSync(p, 'utf8'));
      }
    }
  };
  walk(path.join(root, 'apps', app, 'src'));
  return out;
}

/** The argument text of every call of `callee(` in `text`, parentheses balanced. */
function callArguments(text: string, callee: string): string[] {
  const out: string[] = [];
  let at = text.indexOf(`${callee}(`);
  while (at >= 0) {
    let depth = 0;
    const start = at + callee.length + 1;
    let i = start - 1;
    for (; i < text.length; i++) {
      if (text[i] === '(') depth++;
      else if (text[i] === ')' && --depth === 0) break;
    }
    out.push(text.slice(start, i).trim());
    at = text.indexOf(`${callee}(`, i);
  }
  return out;
}

/** The first argument of a call's argument text. */
const firstArgument = (args: string): string => {
  let depth = 0;
  for (let i = 0; i < args.length; i++) {
    if ('([{'.includes(args[i])) depth++;
    else if (')]}'.includes(args[i])) depth--;
    else if (args[i] === ',' && depth === 0) return args.slice(0, i).trim();
  }
  return args.trim();
};

interface AppKafkaUse {
  handles: Set<string> | 'every';
  creates: Set<string>;
  groups: string[];
  unreadable: string[];
}

function kafkaUseOf(app: ServiceName): AppKafkaUse {
  const sources = productionSources(app);
  const use: AppKafkaUse = { handles: new Set(), creates: new Set(), groups: [], unreadable: [] };
  const constants = new Map<string, string>();
  for (const text of sources.values()) for (const m of text.matchAll(/\bconst\s+(\w+)\s*=\s*'([^']*)'/g)) constants.set(m[1], m[2]);
  for (const [file, text] of sources) {
    for (const arg of [...callArguments(text, '@EventPattern'), ...callArguments(text, '@BatchEventPattern')]) {
      const one = /^(\w+)\.definition\.topic$/.exec(arg);
      if (/^EVENTS\.map\(\s*\(?\s*(\w+)\s*\)?\s*=>\s*\1\.topic\s*\)$/.test(arg)) use.handles = 'every';
      else if (one && use.handles !== 'every') use.handles.add(one[1]);
      else if (!one) use.unreadable.push(`${file}: @EventPattern(${arg})`);
    }
    for (const args of callArguments(text, 'createEnvelope')) {
      const first = firstArgument(args);
      const one = /^(\w+)\.definition$/.exec(first);
      if (one) use.creates.add(one[1]);
      // A definition chosen at run time: every definition the file names (not as a handler's topic) may be it.
      else for (const m of text.matchAll(/\b(\w+)\.definition\b(?!\.topic)/g)) use.creates.add(m[1]);
    }
    // A kafkajs consumer of its own: `<prefix><group>`, the group a literal or a constant of the app.
    for (const args of callArguments(text, '.consumer')) {
      const expr = /\bgroupId:\s*(`[^`]*`|'[^']*'|[\w.]+)/.exec(args)?.[1];
      if (!expr) continue;
      const m = /^`\$\{[\w.]+\}(?:\$\{(\w+)\}|([\w.-]+))`$/.exec(expr);
      const group = m?.[2] ?? (m?.[1] ? constants.get(m[1]) : undefined);
      if (group) use.groups.push(group);
      else use.unreadable.push(`${file}: consumer groupId: ${expr}`);
    }
  }
  return use;
}

describe('the Kafka access plan against the code', () => {
  it.each(SERVICES.map((s) => [s]))('%s handles, creates and joins only what its principal may', (service) => {
    const use = kafkaUseOf(service);
    expect(use.unreadable).toEqual([]);
    const handles = use.handles === 'every' ? 'every' : [...use.handles].sort();
    const planned = SUBSCRIPTIONS[service] === 'every' ? 'every' : [...SUBSCRIPTIONS[service]].sort();
    expect({ service, handles }).toEqual({ service, handles: planned });
    for (const type of use.creates) {
      expect({ type, known: TYPES.has(type) }).toEqual({ type, known: true });
      expect({ type, writers: writersOf(type) }).toEqual({ type, writers: expect.arrayContaining([service]) });
    }
    // The transport's group is the service's name; any other consumer the app makes needs its group listed.
    expect(CONSUMER_GROUPS[service]).toEqual([service, ...use.groups]);
  });

  it('finds the events the apps create (the scan itself works)', () => {
    expect([...kafkaUseOf('mapper').creates].sort()).toEqual(['DocumentMapped', 'DocumentRejected', 'MappingChanged']);
    expect([...kafkaUseOf('lnb-poller').creates]).toEqual(expect.arrayContaining(['InvoiceDetected', 'CreditNoteDetected', 'RunStarted', 'RunRequested']));
  });

  it('kafka.sh makes credentials for exactly the services of the registry, and admin and broker', () => {
    const script = readFileSync(path.join(root, 'tools/kafka/kafka.sh'), 'utf8');
    const services = /^SERVICES=\(([^)]*)\)$/m.exec(script)?.[1].trim().split(/\s+/);
    expect(services).toEqual([...SERVICES]);
    expect(script).toMatch(/^PRINCIPALS=\("\$\{SERVICES\[@\]\}" admin broker\)$/m);
  });

  it('docs/security.md shows the access matrix as the plan makes it (node -r ./tools/runtime/register-ts.js libs/messaging/src/cli/kafka-setup.ts --matrix)', () => {
    const doc = readFileSync(path.join(root, 'docs/security.md'), 'utf8');
    const block = /<!-- access-matrix:start -->\n([\s\S]*?)\n<!-- access-matrix:end -->/.exec(doc)?.[1];
    expect(block).toBe(renderAccessMatrix());
  });
});
