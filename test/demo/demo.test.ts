import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

test('npm run demo: five seed systems end to end, every push and SET verified, a retry and a timer on a fast clock', async () => {
  const child = spawn(process.execPath, [join(process.cwd(), 'dist/demo/run-demo.js'), '--exit'], {
    env: { PATH: process.env.PATH ?? '' },
  });
  let out = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  child.stderr.on('data', (c) => {
    out += c;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, out);
  for (const expected of [
    /1\. Uanataca VideoID/,
    /✓ push verified \(uanataca\): REQUEST_ENROLLED: request ISSUED, 1 certificate\(s\)/,
    /✗ the OneSpan receiver answered 503/,
    /✓ push verified on try 2 \(onespan\): transaction_created/,
    /the clock jumps 14 days/,
    /✓ push verified \(set\): SET reject-submission for submission:sub-2026-001 \(PS512 signature verified\)/,
    /✓ push verified \(reestro\): signEvent Processed for form form-2026-001/,
    /✓ push verified \(thales\): IMG-2026-001 Rejected \(RejectionCode 12\)/,
    /✓ sub-2026-001 +3 SETs \(PS512\)/,
    /(\d+) events, \1 pushes verified \(one after a retry\), \1 SETs verified, no problems\./,
  ]) {
    assert.match(out, expected);
  }
  const dataDir = /SQLite in (\S+)\)/.exec(out)?.[1];
  assert.ok(dataDir && !existsSync(dataDir), 'the temporary data directory is removed');
});
