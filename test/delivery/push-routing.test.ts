import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { eventually, type Harness, harness } from './delivery-kit.js';
import { orderingSwitchedOn, orderingSwitchHandler } from './ordering-switch.js';
import { type Receiver, startReceiver } from './receiver.js';

type Native = { id: string; eventtype: string; subject: string; data: { data: { n?: number } } };
const parse = (body: string) => JSON.parse(body) as Native;

describe('push routing: ordering, filters, signing options', () => {
  let h: Harness;
  const receivers: Receiver[] = [];
  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await h.close();
  });
  const post = (url: string, payload: unknown) =>
    h.inject({ method: 'POST', url, headers: h.auth, payload: payload as object });

  test("ordering subject: a subject's event n+1 never arrives before event n succeeded, under failures and concurrency", async () => {
    const SUBJECTS = 4;
    const EVENTS = 8;
    // Fails about a third of the pushes and answers after a random delay, so
    // unordered delivery would overtake.
    const r = await receiver((_req, res) => {
      setTimeout(() => res.writeHead(Math.random() < 0.35 ? 500 : 200).end(), Math.random() * 30);
    });
    await h.createEndpoint({ url: r.url, ordering: 'subject', workflows: ['ticket'] });
    await Promise.all(
      Array.from({ length: SUBJECTS }, async (_, s) => {
        await h.openTicket(`ord-${s}`);
        for (let n = 1; n <= EVENTS; n++) await h.note(`ord-${s}`, n);
      }),
    );
    // Every event reaches the receiver at least once with a 200 (retries repeat the same n).
    await eventually(() => {
      const seen = new Set(r.received.map((p) => p.body));
      return seen.size === SUBJECTS * (EVENTS + 1);
    }, 20_000);
    for (let s = 0; s < SUBJECTS; s++) {
      const ns = r.received
        .map((p) => parse(p.body))
        .filter((e) => e.subject === `ord-${s}`)
        .map((e) => e.data.data.n ?? 0);
      assert.deepEqual(
        [...new Set(ns)],
        Array.from({ length: EVENTS + 1 }, (_, i) => i),
        `ord-${s}: ${ns.join(',')}`,
      );
      for (let i = 1; i < ns.length; i++) {
        assert.ok((ns[i] ?? 0) >= (ns[i - 1] ?? 0), `subject ord-${s} got ${ns.join(',')}`);
      }
    }
  });

  test('ordering subject: later events of a subject wait, unscheduled, while the first is retried', async () => {
    let healthy = false;
    // Retry-After keeps the first delivery pending (retrying) well past the checks below.
    const r = await receiver((_req, res) =>
      (healthy ? res.writeHead(200) : res.writeHead(503, { 'retry-after': '1' })).end(),
    );
    const endpoint = await h.createEndpoint({ url: r.url, ordering: 'subject', workflows: ['ticket'] });
    await h.openTicket('held-1');
    await r.waitFor(1);
    await h.note('held-1', 1);
    await h.note('held-1', 2);
    const list = async () =>
      (
        (await h.inject({ method: 'GET', url: `/v1/endpoints/${endpoint.id}/deliveries`, headers: h.auth })).json() as {
          deliveries: Array<{ eventSequence: number; status: string; attempts: number; nextAttemptAt: string | null }>;
        }
      ).deliveries.sort((a, b) => a.eventSequence - b.eventSequence);
    await eventually(async () => (await list()).length === 3);
    const waiting = await list();
    assert.deepEqual(
      waiting.slice(1).map((d) => [d.status, d.attempts, d.nextAttemptAt]),
      [
        ['pending', 0, null],
        ['pending', 0, null],
      ],
    );
    assert.ok(r.received.every((p) => parse(p.body).eventtype === 'ticket-opened'));
    healthy = true;
    await eventually(async () => (await list()).every((d) => d.status === 'succeeded'));
    const order = r.received.filter((p) => parse(p.body).subject === 'held-1').map((p) => parse(p.body).eventtype);
    assert.deepEqual(order.slice(-3), ['ticket-opened', 'ticket-noted', 'ticket-noted']);
  });

  test('ordering switched on: deliveries created from then on are ordered; an older unordered one does not hold them', async () => {
    await orderingSwitchedOn(h, await receiver(orderingSwitchHandler()));
  });

  test('filters: event types and workflows select endpoints; disable_notifications silences a OneSpan transaction', async () => {
    const closedOnly = await receiver();
    const idvOnly = await receiver();
    const everything = await receiver();
    await h.createEndpoint({ url: closedOnly.url, eventTypes: ['ticket-closed'] });
    await h.createEndpoint({ url: idvOnly.url, workflows: ['idv-transaction'] });
    await h.createEndpoint({ url: everything.url });
    await h.openTicket('filt-1');
    await post('/v1/subjects/filt-1/events', { type: 'ticket-closed' });
    const silent = await post('/v1/subjects', {
      workflow: 'idv-transaction',
      id: 'idv-silent',
      attributes: { disable_notifications: true },
    });
    assert.equal(silent.statusCode, 201, silent.body);
    const loud = await post('/v1/subjects', { workflow: 'idv-transaction', id: 'idv-loud' });
    assert.equal(loud.statusCode, 201, loud.body);
    await everything.waitFor(3);
    await closedOnly.waitFor(1);
    await idvOnly.waitFor(1);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      closedOnly.received.map((p) => parse(p.body).eventtype),
      ['ticket-closed'],
    );
    assert.equal(idvOnly.received.length, 1);
    assert.match(idvOnly.received[0]?.body ?? '', /idv-loud/);
    assert.equal(everything.received.length, 3);
    assert.ok(everything.received.every((p) => !p.body.includes('idv-silent')));
  });

  test('secret rotation: during the grace period both secrets sign; afterwards only the new one', async () => {
    const r = await receiver();
    const endpoint = await h.createEndpoint({ url: r.url, workflows: ['ticket'], eventTypes: ['ticket-opened'] });
    const rotated = await post(`/v1/endpoints/${endpoint.id}/rotate-secret`, { gracePeriodSeconds: 3600 });
    assert.equal(rotated.statusCode, 200, rotated.body);
    const { secret: newSecret, previousSecretExpiresAt } = rotated.json() as {
      secret: string;
      previousSecretExpiresAt: string;
    };
    assert.notEqual(newSecret, endpoint.secret);
    assert.ok(previousSecretExpiresAt);
    await h.openTicket('rot-1');
    const [push] = await r.waitFor(1);
    const headers = {
      'webhook-id': String(push?.headers['webhook-id']),
      'webhook-timestamp': String(push?.headers['webhook-timestamp']),
      'webhook-signature': String(push?.headers['webhook-signature']),
    };
    assert.equal(headers['webhook-signature'].split(' ').length, 2);
    for (const secret of [endpoint.secret, newSecret]) assert.ok(new Webhook(secret).verify(push?.body ?? '', headers));

    const revealed = await post(`/v1/endpoints/${endpoint.id}/reveal-secret`, {});
    assert.equal((revealed.json() as { secret: string }).secret, newSecret);

    const immediate = await post(`/v1/endpoints/${endpoint.id}/rotate-secret`, { gracePeriodSeconds: 0 });
    const latest = (immediate.json() as { secret: string }).secret;
    await h.openTicket('rot-2');
    const [, second] = await r.waitFor(2);
    assert.equal(String(second?.headers['webhook-signature']).split(' ').length, 1);
    assert.ok(
      new Webhook(latest).verify(second?.body ?? '', {
        'webhook-id': String(second?.headers['webhook-id']),
        'webhook-timestamp': String(second?.headers['webhook-timestamp']),
        'webhook-signature': String(second?.headers['webhook-signature']),
      }),
    );
  });

  test('auth: a shared-secret header is sent; ed25519 endpoints sign v1a; vendor format uses the workflow default', async () => {
    const r = await receiver();
    await h.createEndpoint({
      url: r.url,
      workflows: ['idv-transaction'],
      auth: { type: 'header', name: 'X-Api-Key', value: 'shared-secret-1' },
      format: 'vendor',
    });
    const ed = await receiver();
    const edEndpoint = await h.createEndpoint({
      url: ed.url,
      workflows: ['idv-transaction'],
      auth: { type: 'standard-webhooks', algorithm: 'ed25519' },
    });
    assert.match(edEndpoint.secret, /^whsk_/);
    assert.match(String(edEndpoint.publicKey), /^whpk_/);
    await post('/v1/subjects', { workflow: 'idv-transaction', id: 'idv-auth' });
    const [push] = await r.waitFor(1);
    assert.equal(push?.headers['x-api-key'], 'shared-secret-1');
    assert.equal((JSON.parse(push?.body ?? '{}') as { trigger: string }).trigger, 'transaction_created');
    const [edPush] = await ed.waitFor(1);
    assert.match(String(edPush?.headers['webhook-signature']), /^v1a,/);
    const got = await h.inject({ method: 'GET', url: `/v1/endpoints`, headers: h.auth });
    assert.ok(!got.body.includes('shared-secret-1'), 'the header value is never listed');
    assert.ok(!got.body.includes('whsec_') && !got.body.includes('whsk_'), 'secrets are never listed');
  });
});

describe('push routing: endpoint changes reach the dispatcher', () => {
  test('a change made within the same millisecond as the last one still applies to the next push', async () => {
    // A frozen clock puts creation, first push and update in one millisecond:
    // the dispatcher keeps endpoints between leases, keyed by their version.
    const frozen = new Date('2026-11-21T12:00:00Z');
    const h = await harness({}, { clock: () => frozen });
    const r = await startReceiver();
    try {
      const endpoint = await h.createEndpoint({ url: r.url, workflows: ['ticket'], headers: { 'x-tag': 'one' } });
      await h.openTicket('same-ms-1');
      const [first] = await r.waitFor(1);
      assert.equal(first?.headers['x-tag'], 'one');
      const patched = await h.inject({
        method: 'PATCH',
        url: `/v1/endpoints/${endpoint.id}`,
        headers: h.auth,
        payload: { headers: { 'x-tag': 'two' } },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      await h.openTicket('same-ms-2');
      const [, second] = await r.waitFor(2);
      assert.equal(second?.headers['x-tag'], 'two');
    } finally {
      await r.close();
      await h.close();
    }
  });
});
