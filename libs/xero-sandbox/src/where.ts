// The subset of Xero's `where` filter language (a .NET LINQ dialect) that integrations use to find documents.
export class WhereParseError extends Error {}

type Value = string | number | boolean | null | undefined;
type Node =
  | { kind: 'lit'; value: Value }
  | { kind: 'path'; parts: string[] }
  | { kind: 'call'; target: Node; method: string; args: Node[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'bin'; op: string; left: Node; right: Node };

interface Token {
  type: 'str' | 'num' | 'id' | 'op';
  text: string;
}

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', ',', '.', '='];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let text = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        text += src[j++];
      }
      if (j >= src.length) throw new WhereParseError(`unterminated string at ${i}`);
      out.push({ type: 'str', text });
      i = j + 1;
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i));
      out.push({ type: 'num', text: m![0] });
      i += m![0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
      out.push({ type: 'id', text: m![0] });
      i += m![0].length;
    } else {
      const op = OPERATORS.find((o) => src.startsWith(o, i));
      if (!op) throw new WhereParseError(`unexpected character '${c}' at ${i}`);
      out.push({ type: 'op', text: op === '=' ? '==' : op });
      i += op.length;
    }
  }
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.or();
    if (this.pos < this.tokens.length) throw new WhereParseError(`unexpected '${this.tokens[this.pos].text}'`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private isWord(t: Token | undefined, ...words: string[]): boolean {
    return !!t && t.type === 'id' && words.includes(t.text.toUpperCase());
  }

  private expect(text: string): void {
    const t = this.tokens[this.pos++];
    if (!t || t.text !== text) throw new WhereParseError(`expected '${text}'`);
  }

  private or(): Node {
    return this.chain('||', 'OR', () => this.and());
  }

  private and(): Node {
    return this.chain('&&', 'AND', () => this.unary());
  }

  /** A left-associative run of one logical operator, written as a symbol or a word. */
  private chain(symbol: string, word: string, next: () => Node): Node {
    let left = next();
    while (this.peek()?.text === symbol || this.isWord(this.peek(), word)) {
      this.pos++;
      left = { kind: 'bin', op: symbol, left, right: next() };
    }
    return left;
  }

  private unary(): Node {
    if (this.peek()?.text === '!' || this.isWord(this.peek(), 'NOT')) {
      this.pos++;
      return { kind: 'not', operand: this.unary() };
    }
    const left = this.operand();
    const t = this.peek();
    if (t && t.type === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.text)) {
      this.pos++;
      return { kind: 'bin', op: t.text, left, right: this.operand() };
    }
    return left;
  }

  private operand(): Node {
    const t = this.tokens[this.pos++];
    if (!t) throw new WhereParseError('unexpected end of expression');
    if (t.text === '(' && t.type === 'op') {
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (t.type === 'str') return this.methods({ kind: 'lit', value: t.text });
    if (t.type === 'num') return { kind: 'lit', value: Number(t.text) };
    if (t.type !== 'id') throw new WhereParseError(`unexpected '${t.text}'`);
    const word = t.text.toLowerCase();
    if (word === 'and' || word === 'or' || word === 'not') throw new WhereParseError(`unexpected '${t.text}'`);
    if (word === 'true' || word === 'false') return { kind: 'lit', value: word === 'true' };
    if (word === 'null') return { kind: 'lit', value: null };
    if (word === 'guid' && this.peek()?.text === '(') {
      const [arg] = this.args();
      if (arg.kind !== 'lit' || typeof arg.value !== 'string') throw new WhereParseError('Guid() takes a string');
      return { kind: 'lit', value: arg.value.toLowerCase() };
    }
    if (word === 'datetime') return { kind: 'lit', value: this.dateTime() };
    const parts = [t.text];
    while (this.peek()?.text === '.') {
      const next = this.tokens[this.pos + 1];
      if (!next || next.type !== 'id') throw new WhereParseError('expected a name after "."');
      if (this.tokens[this.pos + 2]?.text === '(') break;
      parts.push(next.text);
      this.pos += 2;
    }
    return this.methods({ kind: 'path', parts });
  }

  private methods(target: Node): Node {
    let node = target;
    while (this.peek()?.text === '.' && this.tokens[this.pos + 2]?.text === '(') {
      const method = this.tokens[this.pos + 1].text;
      this.pos += 2;
      node = { kind: 'call', target: node, method, args: this.args() };
    }
    return node;
  }

  private args(): Node[] {
    this.expect('(');
    const out: Node[] = [];
    if (this.peek()?.text === ')') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.or());
      const t = this.tokens[this.pos++];
      if (t?.text === ')') return out;
      if (t?.text !== ',') throw new WhereParseError("expected ',' or ')'");
    }
  }

  private dateTime(): number {
    if (this.peek()?.text === '.') {
      // DateTime.Parse("2024-01-31")
      this.pos += 2;
      const [arg] = this.args();
      const ms = arg.kind === 'lit' && typeof arg.value === 'string' ? Date.parse(arg.value) : NaN;
      if (Number.isNaN(ms)) throw new WhereParseError('DateTime.Parse needs a date string');
      return ms;
    }
    const nums = this.args().map((a) => (a.kind === 'lit' && typeof a.value === 'number' ? a.value : NaN));
    if (nums.length < 3 || nums.some(Number.isNaN)) throw new WhereParseError('DateTime(year, month, day) expected');
    const [y, m, d, h = 0, mi = 0, s = 0] = nums;
    return Date.UTC(y, m - 1, d, h, mi, s);
  }
}

function norm(v: Value): Value {
  return typeof v === 'string' ? v.toLowerCase() : v;
}

function evaluate(node: Node, record: Record<string, unknown>): Value {
  switch (node.kind) {
    case 'lit':
      return node.value;
    case 'path': {
      let cur: unknown = record;
      for (const p of node.parts) {
        cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
      }
      return cur as Value;
    }
    case 'not':
      return !evaluate(node.operand, record);
    case 'call': {
      const target = evaluate(node.target, record);
      const args = node.args.map((a) => evaluate(a, record));
      const s = typeof target === 'string' ? target.toLowerCase() : '';
      const a0 = typeof args[0] === 'string' ? args[0].toLowerCase() : String(args[0]);
      switch (node.method.toLowerCase()) {
        case 'contains':
          return typeof target === 'string' && s.includes(a0);
        case 'startswith':
          return typeof target === 'string' && s.startsWith(a0);
        case 'endswith':
          return typeof target === 'string' && s.endsWith(a0);
        case 'tolower':
        case 'toupper':
          return target;
        default:
          throw new WhereParseError(`unsupported method ${node.method}`);
      }
    }
    case 'bin': {
      if (node.op === '&&') return !!evaluate(node.left, record) && !!evaluate(node.right, record);
      if (node.op === '||') return !!evaluate(node.left, record) || !!evaluate(node.right, record);
      const l = norm(evaluate(node.left, record));
      const r = norm(evaluate(node.right, record));
      const lv = l === undefined ? null : l;
      const rv = r === undefined ? null : r;
      switch (node.op) {
        case '==':
          return lv === rv;
        case '!=':
          return lv !== rv;
        default:
          if (lv === null || rv === null) return false;
          if (node.op === '<') return lv < rv;
          if (node.op === '>') return lv > rv;
          if (node.op === '<=') return lv <= rv;
          return lv >= rv;
      }
    }
    default: {
      const never: never = node;
      throw new Error(`unknown node ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Compiles a where clause into a predicate over a record whose dates are epoch milliseconds.
 * String comparisons ignore case, as Xero's database collation does.
 */
export function compileWhere(where: string): (record: Record<string, unknown>) => boolean {
  return compileWhereQuery(where).matches;
}

/**
 * The equality tests a where clause is made of, as an index can answer them: `field == value` (the
 * field as a dotted path, the value as the predicate compares it: strings lower-cased), and the ANDs
 * and ORs over them. It narrows the records to look at; the predicate still decides each one.
 */
export type WherePlan = { kind: 'eq'; field: string; value: string | number | boolean } | { kind: 'and' | 'or'; parts: WherePlan[] };

export interface CompiledWhere {
  matches: (record: Record<string, unknown>) => boolean;
  /** Undefined when some part of the clause is not an equality an index could answer: every record is a candidate. */
  plan: WherePlan | undefined;
}

export function compileWhereQuery(where: string): CompiledWhere {
  const ast = new Parser(tokenize(where)).parse();
  return { matches: (record) => !!evaluate(ast, record), plan: planOf(ast) };
}

function planOf(node: Node): WherePlan | undefined {
  if (node.kind !== 'bin') return undefined;
  if (node.op === '==') {
    const [path, lit] = node.left.kind === 'path' ? [node.left, node.right] : [node.right, node.left];
    if (path.kind !== 'path' || lit.kind !== 'lit') return undefined;
    const value = norm(lit.value);
    // null matches a missing field, which no index holds.
    return value === null || value === undefined ? undefined : { kind: 'eq', field: path.parts.join('.'), value };
  }
  if (node.op !== '&&' && node.op !== '||') return undefined;
  const left = planOf(node.left);
  const right = planOf(node.right);
  if (node.op === '||') return left && right ? { kind: 'or', parts: [left, right] } : undefined;
  // Either side of an AND narrows on its own.
  return left && right ? { kind: 'and', parts: [left, right] } : (left ?? right);
}
