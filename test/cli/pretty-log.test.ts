import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import pino from 'pino';
import { formatLogLine, prettyLogStream } from '../../src/cli/pretty-log.js';

describe('readable log lines', () => {
  test('an entry becomes one line: time, level, message, fields', () => {
    const time = new Date(2026, 11, 5, 12, 4, 5).getTime();
    const line = formatLogLine(
      JSON.stringify({ level: 40, time, pid: 1, hostname: 'h', msg: 'disk is full', role: 'all', n: 2 }),
      false,
    );
    assert.equal(line, '12:04:05  WARN   disk is full  role=all n=2');
  });

  test('a request line shows method, URL and status; an error its message, not its stack', () => {
    const req = formatLogLine(
      JSON.stringify({ level: 30, time: 0, msg: 'incoming request', req: { method: 'GET', url: '/healthz' } }),
      false,
    );
    assert.match(req, /INFO +incoming request {2}GET \/healthz$/);
    const err = formatLogLine(
      JSON.stringify({ level: 50, time: 0, msg: 'tick failed', err: { message: 'boom', code: 'E1', stack: 'at x' } }),
      false,
    );
    assert.match(err, /ERROR +tick failed {2}error: boom \(E1\)$/);
    assert.doesNotMatch(err, /at x/);
  });

  test('colour only when asked, and text that is not JSON passes through', () => {
    assert.ok(formatLogLine(JSON.stringify({ level: 50, time: 0, msg: 'x' }), true).includes('\x1b[31mERROR'));
    assert.ok(!formatLogLine(JSON.stringify({ level: 50, time: 0, msg: 'x' }), false).includes('\x1b'));
    assert.equal(formatLogLine('plain text', true), 'plain text');
  });

  test('pino writing into the stream gives one readable line per entry', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c) => (text += c));
    const log = pino({ level: 'info' }, prettyLogStream(out));
    log.info({ storage: 'sqlite' }, 'tidings started');
    log.debug('hidden');
    await new Promise((done) => setImmediate(done));
    assert.match(text, /^\d\d:\d\d:\d\d {2}INFO +tidings started {2}storage=sqlite\n$/);
  });
});
