// Text that arrives in a request, and text shown back to a person: what is refused as input, what is
// made visible on output. A NUL cannot be stored in PostgreSQL text or jsonb, and a control character
// is never part of an identifier, a filter or a date.

/** C0 controls, DEL and C1 controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Half of a surrogate pair without the other half: not Unicode, and PostgreSQL refuses it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** `\u001b`: how a character that must not act is written instead. */
export const escapeCharacter = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Why a string cannot be input, or undefined: a control character, or a lone surrogate. */
export function textProblem(value: string): string | undefined {
  const control = CONTROL.exec(value);
  if (control) return `must not contain control characters (${escapeCharacter(control[0])} at ${control.index})`;
  if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode (it holds a lone surrogate)';
  return undefined;
}

/**
 * Characters that would act rather than show in a terminal or an editor: controls (ANSI escape
 * sequences start with ESC, a newline would forge a line), line and paragraph separators, the
 * bidirectional overrides ("Trojan Source"), and lone surrogates.
 */
const ACTING = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069]|${LONE_SURROGATE.source}`, 'g');

/** The text with every acting character written as its escape (`\u001b[31m` shows as `\u001b[31m`, in plain characters). */
export const visible = (text: string): string => text.replace(ACTING, escapeCharacter);
