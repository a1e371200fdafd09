import type { LoggerService } from '@nestjs/common';
import { redact } from './redact';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Structured JSON logs, one object a line, every line redacted. Also serves as Nest's logger. */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly service: string,
    private readonly level: Level = 'info',
    private readonly sink: (line: string) => void = (line) => process.stdout.write(line + '\n'),
    private readonly bindings: Record<string, unknown> = {},
  ) {}

  child(bindings: Record<string, unknown>): JsonLogger {
    return new JsonLogger(this.service, this.level, this.sink, { ...this.bindings, ...bindings });
  }

  /** Whether lines of `level` are written: lets a caller skip building a message nobody reads. */
  enabled(level: Level): boolean {
    return ORDER[level] >= ORDER[this.level];
  }

  write(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
    if (!this.enabled(level)) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level, service: this.service, msg, ...this.bindings, ...fields }, (_k, v) =>
      v instanceof Error ? { name: v.name, message: v.message, code: (v as { code?: unknown }).code } : v,
    );
    this.sink(redact(line));
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
    if (first && typeof first === 'object' && !Array.isArray(first)) return [msg, first as Record<string, unknown>];
    const fields: Record<string, unknown> = {};
    if (typeof second === 'string') { fields.context = second; if (typeof first === 'string') fields.stack = first; }
    else if (typeof first === 'string') fields.context = first;
    return [msg, fields];
  }
}
