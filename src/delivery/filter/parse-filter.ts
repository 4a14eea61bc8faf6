/**
 * The parser of endpoint filter expressions, pure: text in, a syntax tree or
 * a `FilterSyntaxError` (with the 0-based position of the fault) out. No
 * `eval`, no `Function`, no regular expressions taken from the user: the
 * language has no loops, so evaluating a tree costs at most its size.
 * The grammar, loosest first (docs/filters-and-transformations.md):
 *
 *   or      := and ("||" and)*
 *   and     := unary ("&&" unary)*
 *   unary   := "!" unary | compare
 *   compare := operand (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in") operand)?
 *   operand := literal | list | path | call | "(" or ")"
 *   path    := root ("." name | "[" string | integer "]")*
 *   call    := ("has" | "startsWith" | "endsWith" | "contains") "(" or ("," or)* ")"
 */
import { FilterSyntaxError } from './filter-syntax-error.js';
import { type Token, tokenize } from './tokenize.js';

export { FilterSyntaxError };

export const FILTER_ROOTS = [
  'id',
  'type',
  'workflow',
  'from',
  'to',
  'occurredAt',
  'sequence',
  'data',
  'subject',
] as const;
export const FILTER_FUNCTIONS = { has: 1, startsWith: 2, endsWith: 2, contains: 2 } as const;
export type FilterFunction = keyof typeof FILTER_FUNCTIONS;
export const COMPARISONS = ['==', '!=', '<', '<=', '>', '>=', 'in'] as const;
export type Comparison = (typeof COMPARISONS)[number];

/** Bounds that keep a filter cheap to store and to evaluate at every fan-out. */
export const MAX_FILTER_LENGTH = 2000;
export const MAX_FILTER_DEPTH = 32;
export const MAX_LIST_ITEMS = 256;

export type FilterNode =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'list'; items: FilterNode[] }
  | { kind: 'path'; segments: Array<string | number> }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'compare'; op: Comparison; left: FilterNode; right: FilterNode }
  | { kind: 'call'; name: FilterFunction; args: FilterNode[] };

const describe = (t: Token) => (t.kind === 'end' ? 'the end of the filter' : JSON.stringify(t.text));

class Parser {
  private index = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }
  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }
  private isOp(text: string): boolean {
    const t = this.peek();
    return (t.kind === 'op' || t.kind === 'word') && t.text === text;
  }
  private expectOp(text: string, what: string): void {
    const t = this.next();
    if (t.kind !== 'op' || t.text !== text) throw new FilterSyntaxError(`expected ${what}, found ${describe(t)}`, t.at);
  }
  private nested<T>(at: number, parse: () => T): T {
    if (++this.depth > MAX_FILTER_DEPTH) {
      throw new FilterSyntaxError(`nested deeper than ${MAX_FILTER_DEPTH} levels`, at);
    }
    const node = parse();
    this.depth--;
    return node;
  }

  parseAll(): FilterNode {
    const node = this.or();
    const rest = this.peek();
    if (rest.kind !== 'end') throw new FilterSyntaxError(`unexpected ${describe(rest)}`, rest.at);
    return node;
  }

  or(): FilterNode {
    let left = this.and();
    while (this.isOp('||')) {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): FilterNode {
    let left = this.unary();
    while (this.isOp('&&')) {
      this.next();
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): FilterNode {
    if (this.isOp('!')) {
      const at = this.next().at;
      return this.nested(at, () => ({ kind: 'not', operand: this.unary() }));
    }
    return this.compare();
  }

  private compare(): FilterNode {
    const left = this.operand();
    const t = this.peek();
    if ((t.kind === 'op' || t.kind === 'word') && (COMPARISONS as readonly string[]).includes(t.text)) {
      this.next();
      const right = this.operand();
      const node: FilterNode = { kind: 'compare', op: t.text as Comparison, left, right };
      const after = this.peek();
      if (after.kind === 'op' && (COMPARISONS as readonly string[]).includes(after.text)) {
        throw new FilterSyntaxError('comparisons do not chain: join them with && or ||', after.at);
      }
      return node;
    }
    return left;
  }

  private operand(): FilterNode {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { kind: 'literal', value: t.value };
      case 'number':
        return { kind: 'literal', value: t.value };
      case 'op':
        if (t.text === '(') {
          return this.nested(t.at, () => {
            const inner = this.or();
            this.expectOp(')', 'a closing ")"');
            return inner;
          });
        }
        if (t.text === '[') return this.nested(t.at, () => this.list(t.at));
        break;
      case 'word':
        return this.word(t);
    }
    throw new FilterSyntaxError(`expected a value, a field or "(", found ${describe(t)}`, t.at);
  }

  private word(t: Extract<Token, { kind: 'word' }>): FilterNode {
    if (t.text === 'true' || t.text === 'false') return { kind: 'literal', value: t.text === 'true' };
    if (t.text === 'null') return { kind: 'literal', value: null };
    if (this.isOp('(')) {
      if (!Object.hasOwn(FILTER_FUNCTIONS, t.text)) {
        throw new FilterSyntaxError(
          `unknown function ${t.text}; one of ${Object.keys(FILTER_FUNCTIONS).join(', ')}`,
          t.at,
        );
      }
      return this.nested(t.at, () => this.call(t.text as FilterFunction, t.at));
    }
    if (!(FILTER_ROOTS as readonly string[]).includes(t.text)) {
      throw new FilterSyntaxError(`unknown field ${t.text}; a filter reads ${FILTER_ROOTS.join(', ')}`, t.at);
    }
    return this.path(t.text);
  }

  private path(root: string): FilterNode {
    const segments: Array<string | number> = [root];
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const name = this.next();
        if (name.kind !== 'word')
          throw new FilterSyntaxError(`expected a field name after ".", found ${describe(name)}`, name.at);
        segments.push(name.text);
      } else if (this.isOp('[')) {
        this.next();
        const key = this.next();
        if (key.kind === 'string') segments.push(key.value);
        else if (key.kind === 'number' && Number.isInteger(key.value) && key.value >= 0) segments.push(key.value);
        else throw new FilterSyntaxError(`expected a quoted key or an index, found ${describe(key)}`, key.at);
        this.expectOp(']', 'a closing "]"');
      } else {
        return { kind: 'path', segments };
      }
    }
  }

  private list(at: number): FilterNode {
    const items: FilterNode[] = [];
    if (this.isOp(']')) {
      this.next();
      return { kind: 'list', items };
    }
    for (;;) {
      items.push(this.operand());
      if (items.length > MAX_LIST_ITEMS)
        throw new FilterSyntaxError(`a list holds at most ${MAX_LIST_ITEMS} items`, at);
      const t = this.next();
      if (t.kind === 'op' && t.text === ']') return { kind: 'list', items };
      if (t.kind !== 'op' || t.text !== ',')
        throw new FilterSyntaxError(`expected "," or "]", found ${describe(t)}`, t.at);
    }
  }

  private call(name: FilterFunction, at: number): FilterNode {
    this.expectOp('(', '"("');
    const args: FilterNode[] = [];
    if (!this.isOp(')')) {
      args.push(this.or());
      while (this.isOp(',')) {
        this.next();
        args.push(this.or());
      }
    }
    this.expectOp(')', 'a closing ")"');
    const arity = FILTER_FUNCTIONS[name];
    if (args.length !== arity) {
      throw new FilterSyntaxError(`${name} takes ${arity} argument${arity === 1 ? '' : 's'}, not ${args.length}`, at);
    }
    if (name === 'has' && args[0]?.kind !== 'path')
      throw new FilterSyntaxError('has takes a field, like has(data.status)', at);
    return { kind: 'call', name, args };
  }
}

/** A condition never written as a bare value: `data.approved` alone is refused (write `data.approved == true`). */
function isCondition(node: FilterNode): boolean {
  return (
    node.kind === 'not' || node.kind === 'and' || node.kind === 'or' || node.kind === 'compare' || node.kind === 'call'
  );
}

/**
 * Parses a filter expression; throws `FilterSyntaxError` with the position of the fault.
 * @example parseFilter('data.status in ["APPROVED"] && subject.attributes.country == "ES"')
 */
export function parseFilter(text: string): FilterNode {
  if (text.length > MAX_FILTER_LENGTH) {
    throw new FilterSyntaxError(`a filter is at most ${MAX_FILTER_LENGTH} characters`, MAX_FILTER_LENGTH);
  }
  const node = new Parser(tokenize(text)).parseAll();
  if (!isCondition(node)) {
    throw new FilterSyntaxError('a filter is a condition (a comparison, has(...), !, && or ||), not a bare value', 0);
  }
  return node;
}
