import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SDK_ERROR_CODES } from '@tidings/sdk';

test("docs/errors.md lists exactly the SDK's error codes", () => {
  const doc = readFileSync(join(process.cwd(), 'docs/errors.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## SDK errors'));
  const documented = [...section.matchAll(/^\| `([a-z_]+)` \| [^0-9]/gm)].map((m) => m[1]);
  assert.deepEqual(documented, [...SDK_ERROR_CODES]);
});
