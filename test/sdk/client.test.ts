import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TidingsSdkError } from '@tidings/sdk';
import { createClient } from '@tidings/sdk/client';
import { type LiveServer, startLiveServer } from './sdk-kit.js';

describe('the generated management client', () => {
  test('api-types.ts is what openapi-typescript makes of openapi.json (regenerate: npm run generate-client -w @tidings/sdk)', () => {
    const bin = join(process.cwd(), 'node_modules/.bin/openapi-typescript');
    const run = spawnSync(bin, ['openapi.json'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    const committed = readFileSync(join(process.cwd(), 'packages/sdk/src/client/api-types.ts'), 'utf8');
    assert.equal(run.stdout, committed);
  });

  describe('against a live server', () => {
    let server: LiveServer;
    before(async () => {
      server = await startLiveServer();
    });
    after(() => server.close());

    test('creates a subject and an endpoint, reads them back typed', async () => {
      const tidings = createClient({ url: server.url, apiKey: server.apiKey });
      const created = await tidings.post('/v1/subjects', { body: { workflow: 'videoid-request', id: 'c-1' } });
      assert.equal(created.status, 'VIDEOPENDING');
      const read = await tidings.get('/v1/subjects/{id}', { path: { id: 'c-1' } });
      assert.equal(read.version, 1);
      const endpoint = await tidings.post('/v1/endpoints', { body: { url: 'http://127.0.0.1:9/hook' } });
      assert.match(String(endpoint.secret), /^whsec_/);
      const page = await tidings.get('/v1/events', { query: { count: '10', format: 'native' } });
      assert.equal(page.events.length, 1);
    });

    test("an error answer is thrown with the server's code", async () => {
      const tidings = createClient({ url: server.url, apiKey: server.apiKey });
      await assert.rejects(tidings.get('/v1/subjects/{id}', { path: { id: 'nope' } }), (error: unknown) => {
        assert.ok(error instanceof TidingsSdkError);
        assert.equal(error.status, 404);
        assert.equal((error.body as { code: string }).code, 'not_found');
        return true;
      });
    });
  });
});
