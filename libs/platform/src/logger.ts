import { redact } from '@lnbx/contracts';
import type { LoggerService } from '@nestjs/common';
import { type Logger as Pino, pino } from 'pino';

type Level = 'debug' | 'info' | 'warn' | 'error';

/** An error as a log line shows it: type, message, stack, its own fields (a stable code, retriable) and its cause. */
const errorFields = (err: Error): Record<string, unknown> => pino.stdSerializers.errWithCause(err) as unknown as Record<string, unknown>;

/** Errors anywhere among a line's fields keep their stack (pino's own serializer knows only the `err` key). */
const withErrors = (fields: Record<string, unknown>): Record<string, unknown> => {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(fields)) {
    if (v instanceof Error) (out ??= { ...fields })[k] = errorFields(v);
  }
  return out ?? fields;
};

/**
 * Structured JSON logs through pino, one object a line, every line redacted (the one redactor, over the
 * serialized line, so a secret inside a message or a stack is caught too). Also serves as Nest's logger.
 * `sink` replaces stdout (tests, a benchmark's stderr).
 */
export class JsonLogger implements LoggerService {
  private readonly pino: Pino;

  constructor(service: string, level: Level = 'info', sink?: (line: string) => void, parent?: Pino) {
    this.pino =
      parent ??
      pino(
        {
          level,
          base: { service },
          messageKey: 'msg',
          timestamp: pino.stdTimeFunctions.isoTime,
          formatters: { level: (label) => ({ level: label }) },
          // Errors are serialized by `withErrors` under whatever key they sit; pino's own `err` serializer would drop their cause.
          serializers: { err: (v: unknown) => (v instanceof Error ? errorFields(v) : v) },
          hooks: { streamWrite: (line) => redact(line) },
        },
        sink ? { write: (line: string) => sink(line.endsWith('\n') ? line.slice(0, -1) : line) } : pino.destination({ dest: 1, sync: true }),
      );
  }

  child(bindings: Record<string, unknown>): JsonLogger {
    return new JsonLogger('', 'info', undefined, this.pino.child(withErrors(bindings)));
  }

  /** Whether lines of `level` are written: lets a caller skip building a message nobody reads. */
  enabled(level: Level): boolean {
    return this.pino.isLevelEnabled(level);
  }

  write(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
    if (!this.pino.isLevelEnabled(level)) return;
    this.pino[level](withErrors(fields), msg);
  }

  debug(msg: string, fields?: Record<string, unknown>): void;
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', ...this.nest(message, rest));
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.write('info', msg, fields);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', ...this.nest(message, rest));
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', ...this.nest(message, rest));
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', ...this.nest(message, rest));
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', ...this.nest(message, rest));
  }

  /** Nest calls log(message, context) or error(message, stack, context); our code calls (msg, fields). */
  private nest(message: unknown, rest: unknown[]): [string, Record<string, unknown>] {
    const msg = typeof message === 'string' ? message : message instanceof Error ? message.message : JSON.stringify(message);
    const [first, second] = rest;
    const fields: Record<string, unknown> = message instanceof Error ? { err: message } : {};
    if (first && typeof first === 'object' && !Array.isArray(first)) return [msg, { ...fields, ...(first as Record<string, unknown>) }];
    if (typeof second === 'string') {
      fields.context = second;
      if (typeof first === 'string') fields.stack = first;
    } else if (typeof first === 'string') fields.context = first;
    return [msg, fields];
  }
}
