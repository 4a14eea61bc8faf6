import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';

const CLI = join(process.cwd(), 'dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'tidings-serve-'));

/**
 * Starts the real `tidings serve` on a free port (directly, or through
 * `script` for a pseudo-terminal), waits until its output holds `until`, then
 * stops it with SIGINT and returns what it printed.
 */
async function serveUntil(until: RegExp, env: Record<string, string>, tty = false): Promise<string> {
  const args = [CLI, 'serve'];
  const child = tty
    ? spawn('script', ['-qfec', [process.execPath, ...args].join(' '), '/dev/null'], { env: { ...baseEnv(), ...env } })
    : spawn(process.execPath, args, { env: { ...baseEnv(), ...env } });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exited = new Promise((done) => child.on('exit', done));
  const deadline = Date.now() + 30_000;
  while (!until.test(out) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
  child.kill('SIGINT');
  if (tty) child.stdin.end(); // ends the offer; script passes the terminal's end on
  await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
  child.kill('SIGKILL');
  assert.match(out, until);
  return out;
}

function baseEnv() {
  return { PATH: process.env.PATH ?? '', TIDINGS_DATA_DIR: join(dir, 'data'), PORT: '0' };
}

describe('what tidings serve prints', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('to a pipe: JSON lines only, no banner', async () => {
    const out = await serveUntil(/"msg":"tidings started"/, {});
    const lines = out.trim().split('\n');
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
    assert.doesNotMatch(out, /API docs/);
    const warnings = lines.map((l) => JSON.parse(l)).filter((e) => e.level === 40);
    // each warning says what to do, not only what is wrong
    assert.equal(warnings.length, 2);
    for (const w of warnings) assert.match(w.msg, /To encrypt them, set|Create tenants with/);
  });

  test('TIDINGS_LOG_FORMAT=pretty: readable lines to a pipe too', async () => {
    const out = await serveUntil(/tidings started/, { TIDINGS_LOG_FORMAT: 'pretty' });
    assert.match(
      out,
      /^\[\d\d:\d\d:\d\d\] INFO: tidings started \{"role":"all","storage":"sqlite","url":"http:\/\/127\.0\.0\.1:\d+/m,
    );
    assert.doesNotMatch(out, /"level":/);
  });

  test('on a terminal: readable lines, then the banner with the addresses, the next commands and the tenant offer', async () => {
    const out = await serveUntil(/No tenant yet/, {}, true);
    assert.match(stripVTControlCharacters(out), /INFO: tidings started \{"role":"all"/); // coloured on a terminal
    assert.doesNotMatch(out, /"level":/);
    assert.match(out, /Tidings \d+\.\d+\.\d+ {2}\(API and workers\)/);
    assert.match(out, /storage {3}SQLite, data in .*\/data\/tidings\.sqlite/);
    for (const path of ['/console', '/docs', '/healthz'])
      assert.match(out, new RegExp(`http://127\\.0\\.0\\.1:\\d+${path}`));
    assert.match(out, /npx tidings tenants create "My Company"/);
    assert.match(out, /npx tidings quickstart/);
  });

  test('TIDINGS_LOG_FORMAT=json on a terminal: JSON lines', async () => {
    const out = await serveUntil(/"msg":"tidings started"/, { TIDINGS_LOG_FORMAT: 'json' }, true);
    assert.match(out, /\{"level":30,.*"msg":"tidings started"/);
  });
});
