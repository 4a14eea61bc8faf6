import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERROR_CLASSES } from '../../src/delivery/attempt-outcome.js';
import { ERROR_CODES } from '../../src/errors/error-codes.js';

test('docs/errors.md documents exactly the codes of the catalogue, with the same statuses', () => {
  const doc = readFileSync(join(process.cwd(), 'docs/errors.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
  assert.deepEqual(Object.fromEntries(rows), { ...ERROR_CODES });
});

test('docs/errors.md lists exactly the attempt error classes, broker and token among them', () => {
  const doc = readFileSync(join(process.cwd(), 'docs/errors.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Attempt error classes'), doc.indexOf('## SDK errors'));
  const documented = [...section.matchAll(/^\| `([a-z]+)` \| /gm)].map((m) => m[1]);
  assert.deepEqual(documented, [...ERROR_CLASSES]);
});
