// The rules the Nest services apply to every parameter and body before any DTO (@lnbx/http-input, as
// monitor-api's OpenAPI document states them), for the oracle.
import { INPUT_LIMITS, jsonProblems, textProblem } from '@lnbx/http-input';
import type { ApiRules } from './schema';

export const NEST_INPUT_RULES: ApiRules = {
  param: (where, v) =>
    textProblem(v) ?? (v.length > (where === 'path' ? INPUT_LIMITS.maxParamLength : INPUT_LIMITS.maxQueryLength) ? 'is too long' : undefined),
  body: (v) => jsonProblems(v, { maxProblems: 1 })[0],
  // Nest's ValidationPipe reads a missing body as {}; body-parser's strict mode takes only an object or an array.
  noBodyIs: {},
  strictJson: true,
};
