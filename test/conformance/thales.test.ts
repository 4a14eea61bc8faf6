/**
 * Seed 004, Thales Perso Design Services image-checking notification, as the
 * client's HTTPS endpoint receives it: "POST ... Accept: application/json,
 * Content-Type: application/json, x-correlation-id" and the seed's body rules.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-runtime.js';

describe('Thales image-checking push, seed 004', () => {
  let t: TestApp;
  let receiver: Receiver;
  let auth: { authorization: string };
  before(async () => {
    t = await startTestApp();
    t.runtime.startWorkers();
    receiver = await startReceiver();
    auth = (await t.tenant()).auth;
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  test("a Custom image: Pending then Rejected, with the seed's headers and field rules", async () => {
    const post = async (url: string, payload: object) => {
      const res = await t.runtime.app.inject({ method: 'POST', url, headers: auth, payload });
      assert.ok(res.statusCode < 300, res.body);
    };
    await post('/v1/endpoints', { url: receiver.url, format: 'vendor', workflows: ['image-check'] });
    await post('/v1/subjects', {
      workflow: 'image-check',
      id: 'CardImage-42',
      to: 'Pending',
      attributes: { ImageType: 'Custom', Orientation: 'Horizontal' },
    });
    await post('/v1/subjects/CardImage-42/events', { type: 'image-rejected', data: { RejectionCode: '12' } });
    const [pending, rejected] = await receiver.waitFor(2);
    for (const r of [pending, rejected]) {
      assert.equal(r?.headers.accept, 'application/json', 'seed: "Accept: application/json"');
      assert.equal(r?.headers['content-type'], 'application/json');
      assert.ok(r?.headers['x-correlation-id']);
    }
    const p = JSON.parse(pending!.body);
    const j = JSON.parse(rejected!.body);
    assert.deepEqual([p.ImageState, p.RejectionCode, p.ImageCheckingTimeStamp], ['Pending', '', '']);
    assert.deepEqual([j.ImageState, j.RejectionCode], ['Rejected', '12']);
    assert.match(j.ImageCheckingTimeStamp, /^\d{14}$/, 'yyyyMMddHHmmss');
    assert.equal(j.ImageId, 'CardImage-42');
  });
});
