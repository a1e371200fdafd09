import fc from 'fast-check';
import {
  decodeComponent,
  inputProblems,
  isCalendarDay,
  malformedPathProblem,
  jsonProblems,
  jsonTextDepth,
  parameterProblems,
  requestUrl,
  strictInteger,
  textProblem,
  visible,
} from './index';

const nested = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
};

describe('text as input', () => {
  it.each([
    ['a\u0000b', 'must not contain control characters (\\u0000 at 1)'],
    ['\u001b[31mred', 'must not contain control characters (\\u001b at 0)'],
    ['line\nbreak', 'must not contain control characters (\\u000a at 4)'],
    ['del\u007f', 'must not contain control characters (\\u007f at 3)'],
    ['c1\u0085', 'must not contain control characters (\\u0085 at 2)'],
    ['lone \ud800', 'must be well-formed Unicode (it holds a lone surrogate)'],
  ])('refuses %j', (value, problem) => expect(textProblem(value)).toBe(problem));

  it.each(['INV-0001', 'Café Zoë', '日本語', '👗 dress', "O'Brien; drop table", ''])('takes %j', (value) => expect(textProblem(value)).toBeUndefined());
});

describe('text shown to a person', () => {
  it('writes escapes, line breaks, bidi overrides and lone surrogates as visible escapes', () => {
    expect(visible('\u001b[31mINV-1\u001b[0m')).toBe('\\u001b[31mINV-1\\u001b[0m');
    expect(visible('a\r\nfake line')).toBe('a\\u000d\\u000afake line');
    expect(visible('abc\u202edef')).toBe('abc\\u202edef');
    expect(visible('x\ud800y')).toBe('x\\ud800y');
  });

  it('leaves printable text, emoji and accents as they are', () => {
    expect(visible('Café 👗 — 日本')).toBe('Café 👗 — 日本');
  });

  it('never leaves an acting character behind (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = visible(s);
        expect(out).not.toMatch(/[\u2028\u2029\u202a-\u202e]/);
        expect(textProblem(out)).toBeUndefined();
      }),
    );
  });
});

describe('JSON bodies', () => {
  it('refuses a body nested deeper than the limit, naming the field, without recursion', () => {
    expect(jsonProblems({ flow: 'invoices', documents: nested(10_000) })).toEqual(['documents nests deeper than 32 levels']);
    expect(jsonProblems(nested(100_001))).toEqual(['the body nests deeper than 32 levels']);
    expect(jsonProblems({ a: nested(30) })).toEqual([]);
  });

  it('names each string and key that holds a control character, and a __proto__ key', () => {
    expect(jsonProblems({ documents: ['ok', 'a\u0000b'], rules: { 'x\u0001': 1 } })).toEqual([
      'documents[1] must not contain control characters (\\u0000 at 1)',
      'the field name "rules.x\\u0001" must not contain control characters (\\u0001 at 1)',
    ]);
    expect(jsonProblems(JSON.parse('{"flow":"invoices","__proto__":{"x":1}}'))).toEqual(['property __proto__ should not exist']);
    expect(jsonProblems({ rules: { constructor: 'x', prototype: 1 } })).toEqual([
      'property rules.constructor should not exist',
      'property rules.prototype should not exist',
    ]);
  });

  it('reads the depth of text before parsing it, strings aside', () => {
    expect(jsonTextDepth('{"a":[1,{"b":"[[[["}]}')).toBe(3);
    expect(jsonTextDepth('"\\"[["')).toBe(0);
    expect(jsonTextDepth('['.repeat(1_000_000), 40)).toBe(41);
  });
});

describe('values from a URL', () => {
  it.each(['2026-02-28', '2024-02-29', '2026-12-31'])('%s is a day', (v) => expect(isCalendarDay(v)).toBe(true));
  it.each(['2026-02-30', '2026-13-45', '2025-02-29', '2026-2-3', '20260101', '2026-01-01T00:00:00Z', '', 20260101])('%s is not', (v) =>
    expect(isCalendarDay(v)).toBe(false),
  );

  it('reads integers in decimal digits within the safe range only', () => {
    expect(strictInteger('42')).toBe(42);
    expect(strictInteger('-3')).toBe(-3);
    expect(strictInteger('9007199254740991')).toBe(9_007_199_254_740_991);
    for (const v of ['1e20', '9223372036854775808', '9007199254740993', '0x10', ' 7', '1.0', '', '+1', 'NaN', 'Infinity'])
      expect(strictInteger(v)).toBeUndefined();
  });

  it('decodes what decodes and reads what is a URL, never throwing', () => {
    expect(decodeComponent('a%20b')).toBe('a b');
    expect(decodeComponent('%ZZ')).toBeUndefined();
    expect(decodeComponent('%ED%A0%80')).toBeUndefined();
    expect(requestUrl('/a/../b?x=1')?.pathname).toBe('/b');
    expect(requestUrl('http://[bad/x')).toBeUndefined();
    expect(requestUrl('not a url', null)).toBeUndefined();
    expect(requestUrl('https://app.example/cb', null)?.host).toBe('app.example');
  });
});

describe('handler arguments', () => {
  it('names the path parameter, the query parameter or the body field', () => {
    expect(inputProblems('\u0000', { type: 'param', data: 'runId' })).toEqual(['runId must not contain control characters (\\u0000 at 0)']);
    expect(inputProblems('x'.repeat(257), { type: 'param', data: 'key' })).toEqual(['key must be at most 256 characters']);
    expect(inputProblems({ retailer: '\u0000', flow: ['invoices', 'a\u0001'] }, { type: 'query' })).toEqual([
      'retailer must not contain control characters (\\u0000 at 0)',
      'flow must not contain control characters (\\u0001 at 1)',
    ]);
    expect(inputProblems({ 'q\u0000': 'x' }, { type: 'query' })).toEqual([
      'the query parameter name "q\\u0000" must not contain control characters (\\u0000 at 1)',
    ]);
    expect(inputProblems({ documents: nested(50) }, { type: 'body' })).toEqual(['documents nests deeper than 32 levels']);
    expect(inputProblems({ anything: '\u0000' }, { type: 'custom' })).toEqual([]);
    expect(parameterProblems('q', ['\u0000', '\u0000'], 10)).toEqual(['q must not contain control characters (\\u0000 at 0)']);
  });
});

describe('malformedPathProblem', () => {
  const routes = ['/api/runs', '/api/runs/{runId}', '/api/runs/{runId}/log', '/api/documents/{key}'];

  it('names the path parameter a malformed escape stands for', () => {
    expect(malformedPathProblem('/api/runs/%E0%A4%A', routes)).toBe('runId is not valid percent-encoding (%XX escapes of UTF-8 bytes)');
    expect(malformedPathProblem('/api/runs/%ZZ/log', routes)).toBe('runId is not valid percent-encoding (%XX escapes of UTF-8 bytes)');
    expect(malformedPathProblem('/api/documents/acme%3Ainvoice%3A%C3', routes)).toBe('key is not valid percent-encoding (%XX escapes of UTF-8 bytes)');
  });

  it('says which part of the path when no route has that shape, and nothing when the path decodes', () => {
    expect(malformedPathProblem('/api/r%FFns/x', routes)).toBe('the path is not valid percent-encoding (%XX escapes of UTF-8 bytes) in its part 2');
    expect(malformedPathProblem('/api/runs/run%201', routes)).toBeUndefined();
  });
});
