import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startReceiver } from '../delivery/receiver.js';
import { TAGS } from '../feeds/pull-kit.js';
import { type LiveServer, startLiveServer } from './sdk-kit.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOTS: Record<string, string> = {
  '/sdk/': join(process.cwd(), 'packages/sdk/dist/src'),
  '/jose/': join(process.cwd(), 'node_modules/jose/dist/webapi'),
};
const PAGE = `<!doctype html><script type="importmap">{"imports":{"jose":"/jose/index.js"}}</script><p>sdk</p>`;

/** Serves the SDK's compiled core and jose's browser build to a real browser, nothing else. */
function staticServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    const prefix = Object.keys(ROOTS).find((p) => url.startsWith(p));
    const file = prefix ? normalize(join(ROOTS[prefix]!, url.slice(prefix.length))) : '';
    if (!prefix || !file.startsWith(ROOTS[prefix]!) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface Push {
  headers: Record<string, string>;
  body: string;
}

describe('the SDK core in a real browser (Chromium, WebCrypto only, no Node APIs)', {
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed`,
}, () => {
  let server: LiveServer;
  let files: Server;
  const data = {} as { hmac: Push; secret: string; ed: Push; publicKey: string; eventLog: string[]; jwks: unknown };
  before(async () => {
    server = await startLiveServer();
    files = await staticServer();
    const receiver = await startReceiver();
    const hmac = await server.call<{ secret: string }>('POST', '/v1/endpoints', {
      url: receiver.url,
      workflows: ['videoid-request'],
    });
    const ed = await server.call<{ publicKey: string }>('POST', '/v1/endpoints', {
      url: receiver.url,
      workflows: ['idv-transaction'],
      auth: { type: 'standard-webhooks', algorithm: 'ed25519' },
    });
    await server.call('POST', '/v1/subjects', { workflow: 'videoid-request', id: 'browser-1' });
    await server.call('POST', '/v1/subjects', { workflow: 'idv-transaction', id: 'browser-2' });
    const pushes = await receiver.waitFor(2);
    await receiver.close();
    const asPush = (p: (typeof pushes)[number]) => ({ headers: p.headers as Record<string, string>, body: p.body });
    const byAlg = (v: string) => pushes.find((p) => String(p.headers['webhook-signature']).startsWith(v))!;
    Object.assign(data, {
      hmac: asPush(byAlg('v1,')),
      secret: hmac.secret,
      ed: asPush(byAlg('v1a,')),
      publicKey: ed.publicKey,
    });
    await server.call('POST', '/v1/subjects', { workflow: 'fit-case', id: 'case-b' });
    await server.call('POST', '/v1/subjects', { workflow: 'fit-submission', id: 'sub-b', parentId: 'case-b' });
    await server.call('POST', '/v1/subjects/sub-b/events', { type: 'submit-submission', data: TAGS });
    data.eventLog = (await server.call<{ eventLog: string[] }>('GET', '/v1/submissions/sub-b/events')).eventLog;
    data.jwks = await server.call('GET', '/.well-known/jwks.json');
  });
  after(async () => {
    files?.close();
    await server?.close();
  });

  test('verifies HMAC and Ed25519 pushes and a PS512 SET log, and names a tampered push', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(files.address() as AddressInfo).port}/`);
      const result = await page.evaluate(async (d) => {
        const sdk = await import('/sdk/index.js' as string);
        const hmac = await sdk.verifyWebhook(d.hmac, d.secret);
        const ed = await sdk.verifyWebhook(d.ed, d.publicKey);
        const sets = await sdk.verifySetLog(d.eventLog, d.jwks);
        let tampered = 'accepted';
        try {
          await sdk.verifyWebhook(
            { headers: d.hmac.headers, body: d.hmac.body.replace('VIDEOPENDING', 'ISSUED') },
            d.secret,
          );
        } catch (error) {
          tampered = (error as { code: string }).code;
        }
        return {
          noNode: typeof (globalThis as { process?: unknown }).process === 'undefined',
          hmacType: sdk.parseEvent('native', hmac.payload).eventtype,
          edStatus: sdk.parseEvent('native', ed.payload).status,
          setAlgs: sets.map((s: { header: { alg: string } }) => s.header.alg),
          tampered,
        };
      }, data);
      assert.deepEqual(result, {
        noNode: true,
        hmacType: 'REQUEST_CREATED',
        edStatus: 'new',
        setAlgs: ['PS512', 'PS512'],
        tampered: 'webhook_signature_mismatch',
      });
    } finally {
      await browser.close();
    }
  });
});
