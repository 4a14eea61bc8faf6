import assert from 'node:assert/strict';
import { eventually, type Harness } from './delivery-kit.js';
import type { Handler, Receiver } from './receiver.js';

type Native = { eventtype: string; subject: string; data: { data: { n?: number } } };
const parse = (body: string) => JSON.parse(body) as Native;

/** Fails the subject's first event (retried in 1 s) and accepts everything else. */
export const orderingSwitchHandler = (): Handler => (req, res) =>
  (parse(req.body).eventtype === 'ticket-opened'
    ? res.writeHead(503, { 'retry-after': '1' })
    : res.writeHead(200)
  ).end();

/**
 * Both backends: an endpoint switched to subject ordering orders the
 * deliveries created from then on, and the one created before (unordered,
 * still failing) does not hold them back.
 */
export async function orderingSwitchedOn(h: Harness, r: Receiver): Promise<void> {
  const endpoint = await h.createEndpoint({ url: r.url, workflows: ['ticket'] });
  await h.openTicket('switch-1');
  await r.waitFor(1);
  const patched = await h.inject({
    method: 'PATCH',
    url: `/v1/endpoints/${endpoint.id}`,
    headers: h.auth,
    payload: { ordering: 'subject' },
  });
  assert.equal(patched.statusCode, 200, patched.body);
  await h.note('switch-1', 1);
  await h.note('switch-1', 2);
  const notes = () => r.received.map((p) => parse(p.body)).filter((e) => e.eventtype === 'ticket-noted');
  await eventually(() => notes().length >= 2);
  assert.deepEqual(
    notes().map((e) => e.data.data.n),
    [1, 2],
  );
  const list = await h.inject({ method: 'GET', url: `/v1/endpoints/${endpoint.id}/deliveries`, headers: h.auth });
  const first = (list.json() as { deliveries: Array<{ eventSequence: number; status: string }> }).deliveries.sort(
    (a, b) => a.eventSequence - b.eventSequence,
  )[0];
  assert.equal(first?.status, 'pending', 'the unordered first event is still being retried');
  await h.inject({ method: 'DELETE', url: `/v1/endpoints/${endpoint.id}`, headers: h.auth });
}
