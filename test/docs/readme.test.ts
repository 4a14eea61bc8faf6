import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { extractShellBlocks } from '../helpers/readme-blocks.js';

/**
 * Runs every fenced `sh` block of README.md, in order, against a fresh server,
 * so the README cannot drift from the product. A block right after
 * `<!-- readme-test: skip (why) -->` is not run (installing, starting the
 * server, PostgreSQL deployment lines). Blocks share exported variables and a
 * working folder, as a person's terminal would; the README's ports 8080 and
 * 9000 are replaced by free ones so that the test runs beside other servers.
 */

const CLI = join(process.cwd(), 'dist/src/cli/main.js');
const readme = readFileSync('README.md', 'utf8');
const blocks = extractShellBlocks(readme);
const work = mkdtempSync(join(tmpdir(), 'tidings-readme-'));
const groups: number[] = [];
let server: ChildProcess;
let port = 0;
let receiverPort = 0;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port: free } = probe.address() as { port: number };
  await new Promise((done) => probe.close(done));
  return free;
}

/** One block in bash: `set -e -o pipefail`, the variables the blocks before it exported, its own exports saved. */
function runBlock(code: string): Promise<{ status: number | null; output: string }> {
  const script = `set -e -o pipefail\n[ -f .env.sh ] && source .env.sh\n${code
    .replaceAll('8080', String(port))
    .replaceAll('9000', String(receiverPort))}\nexport -p > .env.sh\n`;
  // detached: its own process group, so a receiver it leaves running in the background is ended after the test
  const child = spawn('bash', ['-c', script], {
    cwd: work,
    detached: true,
    env: { PATH: process.env.PATH ?? '', HOME: work },
  });
  if (child.pid) groups.push(child.pid);
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((done) =>
    child.on('exit', (status) => {
      clearTimeout(timer);
      done({ status, output });
    }),
  );
}

describe('README.md: every shell block runs against a fresh server', () => {
  before(async () => {
    port = await freePort();
    receiverPort = await freePort();
    // the settings the README's start block names (checked below)
    server = spawn(process.execPath, [CLI, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        TIDINGS_DATA_DIR: join(work, 'data'),
        TIDINGS_ADMIN_TOKEN: 'change-me',
        TIDINGS_ALLOW_INSECURE_ENDPOINTS: '1',
        TIDINGS_LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline) throw new Error('the server did not start within 30 s');
      await new Promise((done) => setTimeout(done, 200));
    }
  });

  after(() => {
    for (const group of groups) {
      try {
        process.kill(-group, 'SIGTERM');
      } catch {
        // the group had already ended
      }
    }
    server?.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  });

  test('the README has shell blocks to run, and the skipped ones say why', () => {
    const runnable = blocks.filter((b) => b.skip === null);
    assert.ok(runnable.length >= 4, `only ${runnable.length} runnable blocks`);
    for (const b of blocks.filter((x) => x.skip !== null))
      assert.notEqual(b.skip, '', `line ${b.line}: a skip needs a reason`);
    // the server this test starts is the one the README tells a person to start
    assert.ok(
      blocks.some((b) => b.code.includes('TIDINGS_ADMIN_TOKEN=change-me TIDINGS_ALLOW_INSECURE_ENDPOINTS=1 npm start')),
    );
  });

  for (const block of blocks.filter((b) => b.skip === null)) {
    test(`the block at README.md line ${block.line} runs`, async () => {
      const { status, output } = await runBlock(block.code);
      assert.equal(
        status,
        0,
        `README.md line ${block.line} failed (exit ${status}):\n${block.code}\n--- output:\n${output}`,
      );
    });
  }
});
