/**
 * Reads optional values out of free-form attributes / event data. Workflows name
 * their fields in the seed's spelling (`serial_number`, `ImageType`) or in
 * camelCase, so renderers ask for several spellings and take the first present.
 */

type Bag = Record<string, unknown>;

export function pickString(bags: Bag[], keys: string[]): string | undefined {
  for (const bag of bags) {
    for (const key of keys) {
      const value = bag[key];
      if (typeof value === 'string') return value;
      if (typeof value === 'number') return String(value);
    }
  }
  return undefined;
}

export function pickObject(bags: Bag[], keys: string[]): Bag | undefined {
  for (const bag of bags) {
    for (const key of keys) {
      const value = bag[key];
      if (isObject(value)) return value;
    }
  }
  return undefined;
}

export function isObject(value: unknown): value is Bag {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
