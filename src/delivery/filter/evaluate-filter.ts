import type { FilterNode } from './parse-filter.js';

/**
 * What a filter reads: the event's fields, its data, and its subject's id
 * and attributes. `data` may be a function so the fan-out reads an event's
 * data only when a filter asks for it.
 */
export interface FilterInput {
  id: string;
  type: string;
  workflow: string;
  from: string | null;
  to: string;
  occurredAt: string;
  sequence: number;
  data: Record<string, unknown> | (() => Record<string, unknown>);
  subject: { id: string; attributes: Record<string, unknown> | null };
}

type Value = unknown;

function root(input: FilterInput, name: string | number): Value {
  switch (name) {
    case 'data':
      return typeof input.data === 'function' ? input.data() : input.data;
    case 'id':
    case 'type':
    case 'workflow':
    case 'from':
    case 'to':
    case 'occurredAt':
    case 'sequence':
      return input[name];
    case 'subject':
      return input.subject;
    default:
      return undefined;
  }
}

/** Own properties only: `data.constructor` or `data.__proto__` reads nothing. */
function step(value: Value, key: string | number): Value {
  if (Array.isArray(value)) return typeof key === 'number' ? value[key] : undefined;
  if (value !== null && typeof value === 'object' && typeof key === 'string' && Object.hasOwn(value, key)) {
    return (value as Record<string, unknown>)[key];
  }
  return undefined;
}

/** Structural equality of JSON values; a missing field equals `null`. */
function equal(a: Value, b: Value): boolean {
  const x = a === undefined ? null : a;
  const y = b === undefined ? null : b;
  if (x === y) return true;
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => equal(v, y[i]));
  if (x && y && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x) && !Array.isArray(y)) {
    const keys = Object.keys(x);
    return (
      keys.length === Object.keys(y).length &&
      keys.every(
        (k) => Object.hasOwn(y, k) && equal((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]),
      )
    );
  }
  return false;
}

/** Order compares two numbers or two strings; anything else is not ordered (false). */
function ordered(a: Value, b: Value, test: (order: number) => boolean): boolean {
  if (typeof a === 'number' && typeof b === 'number') return test(a < b ? -1 : a > b ? 1 : 0);
  if (typeof a === 'string' && typeof b === 'string') return test(a < b ? -1 : a > b ? 1 : 0);
  return false;
}

function value(node: FilterNode, input: FilterInput): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'list':
      return node.items.map((item) => value(item, input));
    case 'path': {
      const [first, ...rest] = node.segments;
      let current = root(input, first as string);
      for (const key of rest) current = step(current, key);
      return current;
    }
    default:
      return holds(node, input);
  }
}

function holds(node: FilterNode, input: FilterInput): boolean {
  switch (node.kind) {
    case 'not':
      return !holds(node.operand, input);
    case 'and':
      return holds(node.left, input) && holds(node.right, input);
    case 'or':
      return holds(node.left, input) || holds(node.right, input);
    case 'compare': {
      const a = value(node.left, input);
      const b = value(node.right, input);
      switch (node.op) {
        case '==':
          return equal(a, b);
        case '!=':
          return !equal(a, b);
        case '<':
          return ordered(a, b, (o) => o < 0);
        case '<=':
          return ordered(a, b, (o) => o <= 0);
        case '>':
          return ordered(a, b, (o) => o > 0);
        case '>=':
          return ordered(a, b, (o) => o >= 0);
        case 'in':
          return Array.isArray(b) && b.some((item) => equal(a, item));
      }
      return false;
    }
    case 'call': {
      const [a, b] = node.args.map((arg) => value(arg, input));
      switch (node.name) {
        case 'has':
          return a !== undefined && a !== null;
        case 'startsWith':
          return typeof a === 'string' && typeof b === 'string' && a.startsWith(b);
        case 'endsWith':
          return typeof a === 'string' && typeof b === 'string' && a.endsWith(b);
        case 'contains':
          if (typeof a === 'string') return typeof b === 'string' && a.includes(b);
          return Array.isArray(a) && a.some((item) => equal(item, b));
      }
      return false;
    }
    default:
      // a bare value where a condition belongs: only `true` holds
      return value(node, input) === true;
  }
}

/**
 * Whether the event passes the filter. Pure, no I/O; it never throws for any
 * data: a missing field is `null`, a comparison of unlike types is false.
 * @example evaluateFilter(parseFilter('data.status in ["APPROVED"]'), input)
 */
export function evaluateFilter(filter: FilterNode, input: FilterInput): boolean {
  return holds(filter, input);
}
