import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { keys, UsageError } from '../../src/cli/commands.js';
import { loadConfig } from '../../src/config/config.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tidings-keys-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('tidings keys rotate makes a new active key and keeps the old one published; keys list shows both', async () => {
  const config = loadConfig({ TIDINGS_DATA_DIR: dataDir });
  assert.match((await keys(config, ['list'])).out, /no signing keys yet/);
  const first = await keys(config, ['rotate', 'default']);
  const second = await keys(config, ['rotate', 'default']);
  const kid = (out: string) => /key (\S+) \(EdDSA\)/.exec(out)?.[1];
  assert.ok(kid(first.out) && kid(second.out) && kid(first.out) !== kid(second.out));
  const listed = (await keys(config, ['list'])).out.split('\n');
  assert.equal(listed.length, 2);
  assert.match(listed[0] ?? '', /rotated .*\(in JWKS\)$/);
  assert.match(listed[1] ?? '', /active {2}\(in JWKS\)$/);
  await assert.rejects(keys(config, ['rotate', 'bogus']), UsageError);
  await assert.rejects(keys(config, ['spin']), UsageError);
});
