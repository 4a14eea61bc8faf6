import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

const check = (version?: string) =>
  spawnSync(process.execPath, ['scripts/check-node.cjs', ...(version ? [version] : [])], { encoding: 'utf8' });

describe('npm install on an unsupported Node', () => {
  test('an old Node is refused with one line that says what to do', () => {
    for (const version of ['18.19.0', 'v16.20.2', '20.11.1']) {
      const run = check(version);
      assert.equal(run.status, 1, version);
      assert.match(
        run.stderr,
        new RegExp(`needs Node 20\\.12 or newer.*this is Node ${version}\\..*run \`npm install\` again`),
      );
    }
  });

  test('this Node, 20.12 and later majors pass silently', () => {
    for (const version of [undefined, '20.12.0', '22.1.0', '24.0.0']) {
      const run = check(version);
      assert.equal(run.status, 0, `${version}: ${run.stderr}`);
      assert.equal(run.stderr, '');
    }
  });

  test('package.json runs the check before install and states the same floor', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    assert.equal(pkg.scripts.preinstall, 'node scripts/check-node.cjs');
    assert.equal(pkg.engines.node, '>=20.12');
    // the native build the project relies on is approved, so npm does not ask a newcomer about it
    assert.equal(pkg.allowScripts['better-sqlite3'], true);
  });
});
