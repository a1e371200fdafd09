// A JSON body checked before anything reads it field by field: how deep it nests (a validator or a
// transformer that recurses overflows the stack on 10,000 levels), and every key and string in it.
// Both walk with a stack of their own, never by recursion.
import { textProblem } from './text';

/** Deep enough for any body this project takes (selection rules nest 2 levels), far from any stack's end. */
export const MAX_JSON_DEPTH = 32;

const path = (parent: string, key: string | number): string => (typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key);

/** The top-level field a path is in: a message names what the sender wrote, not 32 levels of it. */
const fieldOf = (at: string): string => /^[^.[]*/.exec(at)?.[0] || 'the body';

export interface JsonCheck {
  /** How deep a value may nest: a scalar is 0, `[]` and `{}` are 1. */
  maxDepth?: number;
  /** At most this many problems are told. */
  maxProblems?: number;
}

/** Keys that reach an object's prototype when merged or looked up; never a field of any body here. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * What is wrong with a parsed JSON value as input, each naming the field: nested deeper than
 * `maxDepth`, a key or a string holding a control character or a lone surrogate, a `__proto__`,
 * `constructor` or `prototype` key (class-transformer drops them silently, a merge could follow them).
 * Empty when nothing is.
 */
export function jsonProblems(value: unknown, { maxDepth = MAX_JSON_DEPTH, maxProblems = 10 }: JsonCheck = {}): string[] {
  const problems: string[] = [];
  const stack: { value: unknown; at: string; depth: number }[] = [{ value, at: '', depth: 0 }];
  while (stack.length && problems.length < maxProblems) {
    const { value: v, at, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) problems.push(`${at || 'the body'} ${problem}`);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > maxDepth) {
      problems.push(`${fieldOf(at)} nests deeper than ${maxDepth} levels`);
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], at: path(at, i), depth: depth + 1 });
      continue;
    }
    const fields: typeof stack = [];
    for (const key of Object.keys(v)) {
      const keyProblem = textProblem(key);
      if (PROTOTYPE_KEYS.has(key)) problems.push(`property ${path(at, key)} should not exist`);
      else if (keyProblem) problems.push(`the field name ${JSON.stringify(path(at, key))} ${keyProblem}`);
      else fields.push({ value: (v as Record<string, unknown>)[key], at: path(at, key), depth: depth + 1 });
    }
    // Last pushed, first read: the fields are read in the order they were written (a loop: a spread of
    // 100,000 fields would pass the engine's limit on arguments).
    for (let i = fields.length - 1; i >= 0; i--) stack.push(fields[i]);
  }
  return problems;
}

/**
 * How deep JSON text nests, read before it is parsed (brackets outside strings), stopping once past
 * `stopAfter`: a server that parses its own bodies refuses 10,000 levels without building them.
 */
export function jsonTextDepth(text: string, stopAfter = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > stopAfter) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}
