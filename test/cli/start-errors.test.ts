import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const CLI = join(process.cwd(), 'dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'tidings-start-'));

/** Starts the real `tidings serve`; a start that fails must end by itself, within the timeout. */
function serve(env: Record<string, string>) {
  const run = spawnSync(process.execPath, [CLI, 'serve'], {
    env: { PATH: process.env.PATH ?? '', TIDINGS_DATA_DIR: join(dir, 'data'), ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

/** The failure is one `tidings:` line on stderr that says what to do; nothing else is printed. */
function assertOneLine(run: ReturnType<typeof serve>, code: number, what: RegExp, todo: RegExp) {
  assert.equal(run.code, code, run.err);
  assert.equal(run.out, '');
  const lines = run.err.trimEnd().split('\n');
  assert.equal(lines.length, 1, run.err);
  assert.match(lines[0] ?? '', /^tidings: /);
  assert.match(run.err, what);
  assert.match(run.err, todo);
}

describe('a start that cannot go on ends with one clear line and a non-zero exit', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Starts `tidings serve <args>` while this process holds the port that
   * `portVariable` gives it, and checks the one line it ends with. spawn (not
   * spawnSync): the blocking server lives in this process's event loop.
   */
  async function startOnBusyPort(args: string[], portVariable: string, todo: RegExp) {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = (blocker.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, [CLI, 'serve', ...args], {
        env: { PATH: process.env.PATH ?? '', TIDINGS_DATA_DIR: join(dir, 'data'), [portVariable]: String(port) },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (err += c));
      const code = await new Promise<number | null>((done) => child.on('exit', done));
      assertOneLine({ code, out, err }, 1, new RegExp(`port ${port} on 127.0.0.1 is already in use`), todo);
    } finally {
      blocker.close();
    }
  }

  test('the port is in use', () => startOnBusyPort([], 'PORT', /PORT=\d+ npm start/));

  test("a worker's port is in use", () =>
    startOnBusyPort(['--role', 'worker'], 'TIDINGS_WORKER_PORT', /TIDINGS_WORKER_PORT=\d+/));

  test('the data folder cannot be written', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const run = serve({ TIDINGS_DATA_DIR: join(file, 'data') });
    assertOneLine(run, 1, /the data folder .*a-file\/data cannot be written \(ENOTDIR\)/, /set TIDINGS_DATA_DIR/);
  });

  test('the PostgreSQL URL does not answer', () => {
    // port 1 on loopback: nothing listens there, so the connection is refused at once
    const run = serve({ DATABASE_URL: 'postgres://tidings:secret@127.0.0.1:1/tidings' });
    assertOneLine(run, 1, /PostgreSQL at 127\.0\.0\.1:1 does not answer \(ECONNREFUSED\)/, /fix DATABASE_URL/);
    assert.doesNotMatch(run.err, /secret/);
  });

  test('a bad setting', () => {
    const run = serve({ TIDINGS_LOG_FORMAT: 'fancy' });
    assert.equal(run.code, 2);
    assert.equal(run.out, '');
    assert.equal(run.err, 'tidings: invalid configuration:\n  - logFormat must be auto, json or pretty\n');
  });
});
