import { FilterSyntaxError } from './filter-syntax-error.js';

/** One token of a filter expression; `at` is its 0-based offset in the text. */
export type Token =
  | { kind: 'string'; value: string; text: string; at: number }
  | { kind: 'number'; value: number; text: string; at: number }
  | { kind: 'word'; text: string; at: number }
  | { kind: 'op'; text: string; at: number }
  | { kind: 'end'; text: ''; at: number };

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', ',', '.'];
const ESCAPES: Record<string, string> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
};
const WORD_START = /[A-Za-z_$]/;
const WORD_PART = /[A-Za-z0-9_$]/;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function readString(text: string, start: number): { value: string; end: number } {
  const quote = text[start];
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === quote) return { value, end: i + 1 };
    if (c === '\\') {
      const e = text[i + 1];
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        value += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      if (e === undefined || !Object.hasOwn(ESCAPES, e)) throw new FilterSyntaxError('unknown escape in a string', i);
      value += ESCAPES[e];
      i += 2;
      continue;
    }
    if (c < ' ') throw new FilterSyntaxError('a control character inside a string', i);
    value += c;
    i++;
  }
  throw new FilterSyntaxError('a string is not closed', start);
}

/** Splits a filter into tokens, ending with one `end` token; throws `FilterSyntaxError` at the first bad character. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const { value, end } = readString(text, i);
      tokens.push({ kind: 'string', value, text: text.slice(i, end), at: i });
      i = end;
      continue;
    }
    if (/[0-9-]/.test(c)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) throw new FilterSyntaxError('a malformed number', i);
      tokens.push({ kind: 'number', value: Number(m[0]), text: m[0], at: i });
      i += m[0].length;
      continue;
    }
    if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < text.length && WORD_PART.test(text[end] as string)) end++;
      tokens.push({ kind: 'word', text: text.slice(i, end), at: i });
      i = end;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op === undefined) {
      const hint = c === '=' ? ' (equality is ==)' : c === '&' || c === '|' ? ' (use && or ||)' : '';
      throw new FilterSyntaxError(`unexpected character ${JSON.stringify(c)}${hint}`, i);
    }
    tokens.push({ kind: 'op', text: op, at: i });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}
