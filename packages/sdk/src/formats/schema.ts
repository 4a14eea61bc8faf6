import { TidingsSdkError } from '../errors.js';

/**
 * A tiny schema language: each wire format is written once as a schema, and
 * both its TypeScript type (`Infer<typeof schema>`) and its runtime parser come
 * from that one definition. The server's renderers are typed against the same
 * types, so a field changed on either side fails the type check.
 */
export interface Schema<T> {
  /** Throws `format_invalid` naming the first wrong field; returns the value typed. */
  parse(value: unknown, path?: string): T;
  /** What the docs print for the field's type. */
  readonly describe: string;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function fail(path: string, expected: string): never {
  throw new TidingsSdkError('format_invalid', `${path || 'the body'} is not ${expected}`, { path: path || '$' });
}

function primitive<T>(describe: string, test: (v: unknown) => boolean): Schema<T> {
  return {
    describe,
    parse(value, path = '') {
      if (!test(value)) fail(path, `a ${describe}`);
      return value as T;
    },
  };
}

export const string = (): Schema<string> => primitive('string', (v) => typeof v === 'string');
export const number = (): Schema<number> => primitive('number', (v) => typeof v === 'number' && Number.isFinite(v));
export const integer = (): Schema<number> => primitive('integer', (v) => Number.isInteger(v));
export const unknownValue = (): Schema<unknown> => primitive('any JSON value', () => true);

export function literal<const L extends string>(value: L): Schema<L> {
  return primitive(`"${value}"`, (v) => v === value);
}

export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return {
    describe: `${inner.describe} or null`,
    parse: (value, path = '') => (value === null ? null : inner.parse(value, path)),
  };
}

export function array<T>(item: Schema<T>): Schema<T[]> & { readonly item: Schema<T> } {
  return {
    item,
    describe: `array of ${item.describe}`,
    parse(value, path = '') {
      if (!Array.isArray(value)) fail(path, 'an array');
      return value.map((v, i) => item.parse(v, `${path}[${i}]`));
    },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function record<T>(values: Schema<T>): Schema<Record<string, T>> {
  return {
    describe: `object of ${values.describe}`,
    parse(value, path = '') {
      if (!isPlainObject(value)) fail(path, 'an object');
      for (const [k, v] of Object.entries(value)) values.parse(v, path ? `${path}.${k}` : k);
      return value as Record<string, T>;
    },
  };
}

/** A field that may be absent. */
export interface Optional<T> extends Schema<T> {
  readonly optional: true;
}

export function optional<T>(inner: Schema<T>): Optional<T> {
  return { ...inner, optional: true, describe: inner.describe };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends Optional<unknown> ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
type Flatten<T> = { [K in keyof T]: T[K] } & {};
export type ObjectOf<S extends Shape> = Flatten<
  { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }
>;

/** An object schema; its `fields` are what the per-format docs pages list. */
export interface ObjectSchema<T> extends Schema<T> {
  readonly fields: Shape;
}

/** An object with these fields; other fields are allowed (a newer server may add some) and kept. */
export function object<S extends Shape>(fields: S): ObjectSchema<ObjectOf<S>> {
  return {
    fields,
    describe: 'object',
    parse(value, path = '') {
      if (!isPlainObject(value)) fail(path, 'an object');
      for (const [key, schema] of Object.entries(fields)) {
        const at = path ? `${path}.${key}` : key;
        if (!(key in value) || value[key] === undefined) {
          if ((schema as Partial<Optional<unknown>>).optional) continue;
          fail(at, `present (${schema.describe})`);
        }
        schema.parse(value[key], at);
      }
      return value as ObjectOf<S>;
    },
  };
}

/** An object with these fields and any others of any value (an index signature). */
export function openObject<S extends Shape>(fields: S): ObjectSchema<ObjectOf<S> & Record<string, unknown>> {
  return object(fields) as ObjectSchema<ObjectOf<S> & Record<string, unknown>>;
}

/** The first alternative that parses; its failure is reported when none does. */
export function union<A, B>(a: Schema<A>, b: Schema<B>, describe = `${a.describe} or ${b.describe}`): Schema<A | B> {
  return {
    describe,
    parse(value, path = '') {
      try {
        return a.parse(value, path);
      } catch {
        return b.parse(value, path);
      }
    },
  };
}

/** Both schemas at once (a common head plus one of several bodies). */
export function intersect<A, B>(a: Schema<A>, b: Schema<B>): Schema<A & B> {
  return {
    describe: `${a.describe} and ${b.describe}`,
    parse(value, path = '') {
      a.parse(value, path);
      b.parse(value, path);
      return value as A & B;
    },
  };
}

/** One of a closed list of strings. */
export function oneOf<const L extends readonly string[]>(...values: L): Schema<L[number]> {
  return primitive(values.map((v) => `"${v}"`).join(' | '), (v) => values.includes(v as string));
}
