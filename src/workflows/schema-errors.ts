import type { ErrorObject } from 'ajv';
import type { ErrorItem } from '../errors/tidings-error.js';

/** Turns Ajv errors into `WrongFieldValue` items whose target is a dotted field path. */
export function schemaErrorItems(prefix: string, errors: readonly ErrorObject[]): ErrorItem[] {
  return errors.map((e) => {
    const path = e.instancePath
      .split('/')
      .filter(Boolean)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const missing = e.keyword === 'required' ? String(e.params.missingProperty) : null;
    const extra = e.keyword === 'additionalProperties' ? String(e.params.additionalProperty) : null;
    const field = [prefix, ...path, missing ?? extra].filter((p) => p !== null && p !== '').join('.');
    const code = missing ? 'MissingField' : extra ? 'UnknownField' : 'WrongFieldValue';
    const message = missing
      ? `${field} is required`
      : extra
        ? `${field} is not allowed`
        : `${field || prefix} ${e.message ?? 'is invalid'}`;
    return { code, message, target: field || prefix };
  });
}
