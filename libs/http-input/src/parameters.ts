// What a web framework hands a handler, checked in one place before any handler reads it: path
// parameters, query parameters and the JSON body. Framework-free: each Nest app's global pipe calls
// it with the argument's kind and name (Nest's ArgumentMetadata has both).
import { jsonProblems, MAX_JSON_DEPTH } from './json';
import { textProblem } from './text';

export interface InputLimits {
  /** The longest path parameter: identifiers and keys are far shorter. */
  maxParamLength: number;
  /** The longest query parameter: a DTO may bound one further. */
  maxQueryLength: number;
  maxJsonDepth: number;
}

export const INPUT_LIMITS: InputLimits = { maxParamLength: 256, maxQueryLength: 1000, maxJsonDepth: MAX_JSON_DEPTH };

/** A parameter's value (a repeated query parameter is an array of them), each problem naming it. */
export function parameterProblems(name: string, value: unknown, maxLength: number): string[] {
  const values = Array.isArray(value) ? value : [value];
  const problems: string[] = [];
  for (const v of values) {
    if (typeof v !== 'string') continue;
    const problem = v.length > maxLength ? `must be at most ${maxLength} characters` : textProblem(v);
    if (problem) problems.push(`${name} ${problem}`);
  }
  return [...new Set(problems)];
}

/**
 * The problems of one handler argument: `param` (a path parameter, named), `query` (one parameter when
 * named, else the whole query object, names included) or `body`; anything else is not input.
 */
export function inputProblems(value: unknown, arg: { type: string; data?: string }, limits: InputLimits = INPUT_LIMITS): string[] {
  switch (arg.type) {
    case 'param':
      return parameterProblems(arg.data ?? 'a path parameter', value, limits.maxParamLength);
    case 'query': {
      if (arg.data !== undefined) return parameterProblems(arg.data, value, limits.maxQueryLength);
      if (typeof value !== 'object' || value === null) return [];
      return Object.entries(value).flatMap(([name, v]) => {
        const nameProblem = textProblem(name);
        return nameProblem ? [`the query parameter name ${JSON.stringify(name)} ${nameProblem}`] : parameterProblems(name, v, limits.maxQueryLength);
      });
    }
    case 'body':
      return jsonProblems(value, { maxDepth: limits.maxJsonDepth });
    default:
      return [];
  }
}
