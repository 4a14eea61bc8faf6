import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { dropBackends, testBackends } from '../helpers/test-runtime.js';
import { eventually, type Harness, harness } from './delivery-kit.js';
import { startReceiver } from './receiver.js';

/**
 * Filters, transformations and retry schedules per endpoint, through the API
 * and a real receiver, on both backends.
 */
const backends = await testBackends();
after(() => dropBackends(backends));

type ErrorBody = { code: string; errors: Array<{ code: string; target: string; message: string }> };
type Attempt = { outcome: string; errorClass: string | null; errorMessage: string | null; httpStatus: number | null };
type Delivery = { id: string; eventId: string; status: string; attempts: number };

for (const backend of backends) {
  describe(`endpoint filters, transformations and retry schedules (${backend.name})`, { skip: backend.skip }, () => {
    let h: Harness;
    const receivers: Array<{ close(): Promise<void> }> = [];
    const listen = async (...args: Parameters<typeof startReceiver>) => {
      const r = await startReceiver(...args);
      receivers.push(r);
      return r;
    };
    before(async () => {
      h = await harness(backend.env);
    });
    after(async () => {
      await Promise.all(receivers.map((r) => r.close()));
      await h?.close();
    });

    const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
      h.inject({ method, url, headers: h.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
    const post = async (url: string, payload: unknown) => {
      const res = await call('POST', url, payload);
      assert.ok(res.statusCode < 300, `${url}: ${res.statusCode} ${res.body}`);
      return res.json() as Record<string, unknown>;
    };
    const deliveriesOf = async (id: string) =>
      ((await call('GET', `/v1/endpoints/${id}/deliveries?limit=100`)).json() as { deliveries: Delivery[] }).deliveries;
    const attemptsOf = async (id: string) =>
      ((await call('GET', `/v1/endpoints/${id}/attempts?limit=100`)).json() as { attempts: Attempt[] }).attempts;
    const unique = (p: string) => `${p}-${backend.name}-${Math.random().toString(36).slice(2, 8)}`;

    test('a filter that does not parse is a 400 pointing at the position, on create and on update', async () => {
      const bad = await call('POST', '/v1/endpoints', { url: 'http://127.0.0.1:9/x', filter: 'data.status = "A"' });
      assert.equal(bad.statusCode, 400, bad.body);
      const body = bad.json() as ErrorBody;
      assert.equal(body.code, 'validation');
      assert.deepEqual(body.errors, [
        {
          code: 'FilterSyntax',
          target: 'filter',
          message: 'filter at position 12: unexpected character "=" (equality is ==)',
        },
      ]);
      const ok = await post('/v1/endpoints', { url: 'http://127.0.0.1:9/x', filter: 'data.status in ["A"]' });
      assert.equal(ok.filter, 'data.status in ["A"]');
      const patched = await call('PATCH', `/v1/endpoints/${ok.id}`, { filter: 'subjekt.id == "x"' });
      assert.equal(patched.statusCode, 400);
      assert.match((patched.json() as ErrorBody).errors[0]?.message ?? '', /at position 0: unknown field subjekt/);
      const kept = (await call('GET', `/v1/endpoints/${ok.id}`)).json() as { filter: string };
      assert.equal(kept.filter, 'data.status in ["A"]', 'a refused update changes nothing');
      const cleared = await call('PATCH', `/v1/endpoints/${ok.id}`, { filter: null });
      assert.equal((cleared.json() as { filter: unknown }).filter, null);
    });

    test('transform and retry schedule are checked too: JSONata syntax with its position, reserved headers, SETs, delays', async () => {
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [{ transform: { body: '{"a": data.status' } }, 'transform.body', /transform.body at position \d+: .*S0/],
        [{ transform: { headers: { 'x-a': 'data.(' } } }, 'transform.headers.x-a', /at position/],
        [{ transform: { headers: { 'Webhook-Signature': '"x"' } } }, 'transform.headers', /set by Tidings/],
        [{ transform: {} }, 'transform', /./],
        [
          { retrySchedule: ['5s', '5x'] },
          'retrySchedule',
          /retrySchedule has a malformed delay "5x" \(units ms, s, m, h, d\)/,
        ],
        [{ retrySchedule: ['31d'] }, 'retrySchedule', /longer than 30d/],
        [{ retrySchedule: [] }, 'retrySchedule', /./],
      ];
      for (const [fields, target, message] of cases) {
        const res = await call('POST', '/v1/endpoints', { url: 'http://127.0.0.1:9/x', ...fields });
        assert.equal(res.statusCode, 400, `${JSON.stringify(fields)}: ${res.body}`);
        const errors = (res.json() as ErrorBody).errors;
        const item = errors.find((e) => e.target === target);
        assert.ok(item, `${JSON.stringify(fields)}: ${res.body}`);
        assert.match(item.message, message);
      }
    });

    test('the filter decides at fan-out which events are queued, reading event fields, data and subject attributes', async () => {
      const receiver = await listen();
      const all = await h.createEndpoint({ url: receiver.url, workflows: ['ticket'] });
      const filtered = await h.createEndpoint({
        url: receiver.url,
        workflows: ['ticket'],
        filter: 'type == "ticket-noted" && data.n >= 2 && subject.attributes.country == "ES"',
      });
      // a broker endpoint nobody listens at: its deliveries show what the filter let through
      const broker = await h.createEndpoint({
        type: 'redis-stream',
        url: 'redis://127.0.0.1:9',
        destination: { stream: 'never', maxLen: 10 },
        workflows: ['ticket'],
        filter: 'data.n in [3]',
      });
      const es = unique('es');
      const fr = unique('fr');
      await post('/v1/subjects', { workflow: 'ticket', id: es, attributes: { country: 'ES' } });
      await post('/v1/subjects', { workflow: 'ticket', id: fr, attributes: { country: 'FR' } });
      for (const id of [es, fr]) for (let n = 1; n <= 3; n++) await h.note(id, n);
      await eventually(async () => (await deliveriesOf(all.id)).filter((d) => d.status === 'succeeded').length === 8);
      await eventually(async () => (await deliveriesOf(filtered.id)).every((d) => d.status === 'succeeded'));
      // counted by delivery, not by request: a push retried on a loaded machine reaches the receiver twice
      const history = async (id: string) =>
        (
          (await call('GET', `/v1/subjects/${id}/history`)).json() as {
            events: Array<{ id: string; data: { n?: number } }>;
          }
        ).events;
      const esEvents = await history(es);
      const expected = esEvents.filter((e) => (e.data.n ?? 0) >= 2).map((e) => e.id);
      assert.equal(expected.length, 2);
      assert.deepEqual((await deliveriesOf(filtered.id)).map((d) => d.eventId).sort(), expected.sort());
      const pushedIds = new Set(receiver.received.map((r) => r.headers['webhook-id']));
      for (const id of expected) assert.ok(pushedIds.has(`msg_${id}`), 'each passed event was pushed');
      const n3 = [...esEvents, ...(await history(fr))].filter((e) => e.data.n === 3).map((e) => e.id);
      assert.deepEqual(
        (await deliveriesOf(broker.id)).map((d) => d.eventId).sort(),
        n3.sort(),
        'n == 3 of each subject',
      );
    });

    test('a transformation reshapes the body and adds headers; the signature covers what is sent; the event is untouched', async () => {
      const receiver = await listen();
      const ep = await h.createEndpoint({
        url: receiver.url,
        workflows: ['ticket'],
        eventTypes: ['ticket-noted'],
        transform: {
          body: '{"ticket": subject, "note": data.data.n, "kind": eventtype}',
          headers: { 'X-Ticket': 'subject', 'X-Note': 'data.data.n' },
        },
      });
      const id = unique('t');
      await h.openTicket(id);
      await h.note(id, 7);
      const [got] = await receiver.waitFor(1);
      assert.ok(got);
      const body = JSON.parse(got.body) as Record<string, unknown>;
      assert.equal(body.ticket, id);
      assert.equal(body.note, 7);
      assert.equal(body.kind, 'ticket-noted');
      assert.deepEqual(Object.keys(body).sort(), ['kind', 'note', 'ticket']);
      assert.equal(got.headers['x-ticket'], id);
      assert.equal(got.headers['x-note'], '7');
      new Webhook(ep.secret).verify(got.body, got.headers as Record<string, string>);
      const history = (await call('GET', `/v1/subjects/${id}/history`)).json() as {
        events: Array<{ data: unknown; renderings: { native: { subject: string; data: { data: unknown } } } }>;
      };
      const noted = history.events.at(-1);
      assert.deepEqual(noted?.data, { n: 7 }, 'the stored event is what was committed');
      assert.equal(noted?.renderings.native.subject, id, 'its rendering is the CloudEvent, not the transformed body');
      assert.deepEqual(noted?.renderings.native.data.data, { n: 7 });
    });

    test('a failing transform is a failed attempt of class transform, not an endpoint failure; fixing it delivers', async () => {
      const receiver = await listen();
      const ep = await h.createEndpoint({
        url: receiver.url,
        workflows: ['ticket'],
        eventTypes: ['ticket-opened'],
        transform: { body: '$error("refused by the transform")' },
        retrySchedule: ['20s'],
      });
      await h.openTicket(unique('f'));
      await eventually(async () => (await attemptsOf(ep.id)).length >= 1);
      const [attempt] = await attemptsOf(ep.id);
      assert.equal(attempt?.errorClass, 'transform');
      assert.match(attempt?.errorMessage ?? '', /refused by the transform/);
      assert.equal(attempt?.httpStatus, null);
      assert.equal(receiver.received.length, 0);
      const endpoint = (await call('GET', `/v1/endpoints/${ep.id}`)).json() as { failingSince: unknown };
      assert.equal(endpoint.failingSince, null, 'the endpoint itself is healthy');
      await call('PATCH', `/v1/endpoints/${ep.id}`, { transform: { body: '{"fixed": true}' } });
      const [delivery] = await deliveriesOf(ep.id);
      await post(`/v1/deliveries/${delivery?.id ?? ''}/retry`, {});
      const [got] = await receiver.waitFor(1);
      assert.deepEqual(JSON.parse(got?.body ?? ''), { fixed: true });
    });

    test("an endpoint's retry schedule replaces the server's", async () => {
      const receiver = await listen((_req, res) => res.writeHead(500).end());
      // the server's schedule here is 50ms,100ms,200ms: four tries
      const own = await h.createEndpoint({ url: receiver.url, eventTypes: ['ticket-opened'], retrySchedule: ['10ms'] });
      const server = await h.createEndpoint({ url: receiver.url, eventTypes: ['ticket-opened'] });
      await h.openTicket(unique('r'));
      await eventually(async () => (await deliveriesOf(own.id))[0]?.status === 'failed');
      await eventually(async () => (await deliveriesOf(server.id))[0]?.status === 'failed');
      assert.equal((await deliveriesOf(own.id))[0]?.attempts, 2);
      assert.equal((await deliveriesOf(server.id))[0]?.attempts, 4);
      const shown = (await call('GET', `/v1/endpoints/${own.id}`)).json() as { retrySchedule: unknown };
      assert.deepEqual(shown.retrySchedule, ['10ms']);
    });
  });
}
