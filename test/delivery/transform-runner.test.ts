import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { DEFAULT_TRANSFORM_LIMITS } from '../../src/delivery/transform/transform-limits.js';
import { TransformError, TransformRunner } from '../../src/delivery/transform/transform-runner.js';

const rendering = JSON.stringify({
  type: 'transaction-completed',
  data: { status: 'APPROVED', applicant: { name: 'Ana', country: 'ES' }, scores: [87, 91] },
});

async function refused(promise: Promise<unknown>, reason: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TransformError, String(error));
    assert.match(error.message, reason);
    return true;
  });
}

describe('transform runner', () => {
  const runner = new TransformRunner();
  after(() => runner.close());

  test('reshapes the body and computes headers from the rendering', async () => {
    const out = await runner.run(
      {
        body: '{"kind": type, "who": data.applicant.name, "best": $max(data.scores)}',
        headers: { 'X-Status': 'data.status', 'X-Best': '$max(data.scores)' },
      },
      rendering,
    );
    assert.deepEqual(JSON.parse(out.body ?? ''), { kind: 'transaction-completed', who: 'Ana', best: 91 });
    assert.deepEqual(out.headers, { 'x-status': 'APPROVED', 'x-best': '91' });
  });

  test('headers only leave the body as it is', async () => {
    const out = await runner.run({ headers: { 'x-country': 'data.applicant.country' } }, rendering);
    assert.equal(out.body, null);
    assert.deepEqual(out.headers, { 'x-country': 'ES' });
  });

  test('a body that evaluates to nothing, a header that is not text, a rendering that is not JSON', async () => {
    await refused(runner.run({ body: 'data.nope' }, rendering), /evaluated to nothing/);
    await refused(runner.run({ headers: { 'x-a': 'data.applicant' } }, rendering), /header x-a evaluated to a value/);
    await refused(runner.run({ headers: { 'x-a': '"a\\nb"' } }, rendering), /text a header cannot carry/);
    await refused(runner.run({ body: '$' }, 'eyJhbGciOi.not-json'), /JSON/);
  });

  test('hostile: an infinite loop by recursion is stopped by the depth guard', async () => {
    const started = Date.now();
    await refused(runner.run({ body: '($f := function($x) { $f($x) + 1 }; $f(1))' }, rendering), /D1011|D1012/);
    assert.ok(Date.now() - started < DEFAULT_TRANSFORM_LIMITS.hardTimeoutMs * 2);
  });

  test('hostile: endless tail recursion (no stack growth) is stopped by the time guard', async () => {
    const started = Date.now();
    await refused(runner.run({ body: '($f := function($x) { $f($x) }; $f(1))' }, rendering), /D1011|D1012|longer than/);
    assert.ok(Date.now() - started < DEFAULT_TRANSFORM_LIMITS.hardTimeoutMs * 3);
  });

  test('hostile: a huge sequence is refused by the sequence guard', async () => {
    await refused(runner.run({ body: '[1..5000000].($ * 2)' }, rendering), /D2015|D1012|memory|longer than/);
  });

  test('hostile: a huge output is refused by the output bound', async () => {
    await refused(runner.run({ body: '$pad("", 2000000, "x")' }, rendering), /longer than 1048576 characters/);
  });

  test('hostile: a string doubled past what V8 can hold fails its transform, and the next transform runs', async () => {
    const doubling = '($f := function($s, $n) { $n = 0 ? $s : $f($s & $s, $n - 1) }; $length($f("xxxxxxxx", 40)))';
    await refused(runner.run({ body: doubling }, rendering), /Invalid string length|memory|D1012/);
    const out = await runner.run({ body: 'data.status' }, rendering);
    assert.equal(out.body, '"APPROVED"');
  });

  test('hostile: filling the heap (time guards out of the way) is stopped by the memory bound, and the next transform runs', async () => {
    const roomy = new TransformRunner({ ...DEFAULT_TRANSFORM_LIMITS, timeoutMs: 60_000, hardTimeoutMs: 90_000 }, 1);
    try {
      const hog = '$count($map([1..99999], function($i) { [1..500] }))';
      await refused(roomy.run({ body: hog }, rendering), /ran out of its 64 MB of memory/);
      const out = await roomy.run({ body: 'data.applicant.country' }, rendering);
      assert.equal(out.body, '"ES"');
    } finally {
      await roomy.close();
    }
  });

  test('hostile: a regular expression that backtracks forever is stopped by the hard deadline, and the next transform runs', async () => {
    const limits = { ...DEFAULT_TRANSFORM_LIMITS, hardTimeoutMs: 500 };
    const strict = new TransformRunner(limits, 1);
    try {
      const started = Date.now();
      const evil = `$contains("${'a'.repeat(40)}!", /^(a+)+$/)`;
      await refused(strict.run({ body: evil }, rendering), /longer than 500 ms/);
      assert.ok(Date.now() - started < 5_000);
      const out = await strict.run({ body: 'data.applicant.name' }, rendering);
      assert.equal(out.body, '"Ana"');
    } finally {
      await strict.close();
    }
  });
});
