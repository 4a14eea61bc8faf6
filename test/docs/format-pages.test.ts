import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { FORMAT_SCHEMAS } from '@tidings/sdk';

interface Generator {
  renderFormatPage(format: string): string;
  FORMAT_PAGES: string[];
}

test('docs/formats/*.md are what the SDK schemas and the golden fixtures make (regenerate: node scripts/format-docs.mjs --write)', async () => {
  const generator = (await import(pathToFileURL(join(process.cwd(), 'scripts/format-docs.mjs')).href)) as Generator;
  assert.deepEqual([...generator.FORMAT_PAGES].sort(), Object.keys(FORMAT_SCHEMAS).sort(), 'one page per format');
  for (const format of generator.FORMAT_PAGES) {
    const committed = readFileSync(join(process.cwd(), 'docs/formats', `${format}.md`), 'utf8');
    assert.equal(committed, generator.renderFormatPage(format), `docs/formats/${format}.md is stale`);
  }
});
