import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import pino from 'pino';
import { describeEntry, prettyLogStream } from '../../src/cli/pretty-log.js';

/** Everything pino writes through the readable stream, once it has flushed. */
async function written(entries: (log: pino.Logger) => void, isTTY = false): Promise<string> {
  const out = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  out.on('data', (c) => (text += c));
  const log = pino({ level: 'info' }, prettyLogStream(out));
  entries(log);
  await new Promise((done) => setImmediate(done));
  return text;
}

describe('readable log lines', () => {
  test('an entry becomes one line: time, level, message, then its fields', async () => {
    const text = await written((log) => log.warn({ role: 'all', n: 2 }, 'disk is full'));
    assert.match(text, /^\[\d\d:\d\d:\d\d\] WARN: disk is full \{"role":"all","n":2\}\n$/);
  });

  test('a request line shows method, URL, status and time; an error its message, not its stack', () => {
    assert.equal(
      describeEntry({
        msg: 'request completed',
        req: { method: 'GET', url: '/healthz' },
        res: { statusCode: 200 },
        responseTime: 2.6,
      }),
      'request completed  GET /healthz  200  3ms',
    );
    const err = describeEntry({ msg: 'tick failed', err: { message: 'boom', code: 'E1' } });
    assert.equal(err, 'tick failed  error: boom (E1)');
  });

  test('a logged error keeps its stack out of the readable line', async () => {
    const text = await written((log) =>
      log.error({ err: Object.assign(new Error('boom'), { code: 'E1' }) }, 'tick failed'),
    );
    assert.match(text, /ERROR: tick failed {2}error: boom \(E1\)/);
    assert.doesNotMatch(text, /at .*\.js/);
    assert.equal(text.trim().split('\n').length, 1);
  });

  test('colour on a terminal only; entries below the level are not written', async () => {
    const plain = await written((log) => {
      log.error('x');
      log.debug('hidden');
    });
    assert.ok(!plain.includes('\x1b'));
    assert.doesNotMatch(plain, /hidden/);
    const coloured = await written((log) => log.error('x'), true);
    assert.ok(coloured.includes('\x1b['));
  });
});
