import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestApp } from '../helpers/test-runtime.js';

/**
 * The workflow routes have response schemas now; a schema that forgot a
 * field would silently drop it from the answer. Each built-in workflow's
 * answer must carry its whole definition, field for field.
 */
test('GET /v1/workflows/{name} shows every field of each definition, and the list summarises each', async () => {
  const t = await startTestApp();
  try {
    const { auth } = await t.tenant();
    const list = await t.runtime.app.inject({ method: 'GET', url: '/v1/workflows', headers: auth });
    assert.equal(list.statusCode, 200);
    const summaries = list.json().workflows as Array<{ name: string; eventTypes: string[] }>;
    const definitions = t.runtime.registry.list().map((w) => w.definition);
    assert.deepEqual(
      summaries.map((s) => s.name),
      definitions.map((d) => d.name),
    );
    for (const d of definitions) {
      const answer = await t.runtime.app.inject({ method: 'GET', url: `/v1/workflows/${d.name}`, headers: auth });
      assert.equal(answer.statusCode, 200, d.name);
      const body = answer.json();
      const plain = JSON.parse(JSON.stringify(d)) as Record<string, unknown>;
      assert.deepEqual(body.initial, plain.initial, `${d.name}: initial`);
      assert.deepEqual(body.transitions, plain.transitions, `${d.name}: transitions`);
      assert.deepEqual(body.timers, plain.timers ?? [], `${d.name}: timers`);
      assert.deepEqual(body.attributesSchema, plain.attributesSchema ?? {}, `${d.name}: attributesSchema`);
      assert.deepEqual(body.states, d.states);
      assert.deepEqual(body.notes, d.notes ?? []);
      assert.equal(body.eventUriBase, d.eventUriBase ?? null);
      const summary = summaries.find((s) => s.name === d.name);
      assert.deepEqual(
        summary?.eventTypes,
        [...new Set([...d.initial, ...d.transitions].map((x) => x.type))],
        `${d.name}: eventTypes`,
      );
    }
  } finally {
    await t.close();
  }
});
