import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EMPTY_ENDPOINT_FORM, endpointBody, formOf, parseHeaderLines } from '../../console/src/lib/endpoint-form.js';
import { ago, duration, isoFromLocal } from '../../console/src/lib/format-time.js';
import { decodeJws } from '../../console/src/lib/jws-parts.js';
import { healthFigures, parseMetrics } from '../../console/src/lib/metrics-text.js';
import { allowedFrom, START, workflowGraph } from '../../console/src/lib/workflow-graph.js';

const METRICS = `# HELP tidings_delivery_attempts_total x
# TYPE tidings_delivery_attempts_total counter
tidings_delivery_attempts_total{outcome="succeeded",error_class="none"} 7
tidings_delivery_attempts_total{outcome="failed",error_class="http_5xx"} 2
tidings_delivery_attempts_total{outcome="failed",error_class="timeout"} 1
tidings_delivery_queue_depth 4
tidings_delivery_oldest_pending_age_seconds 12.5
tidings_delivery_attempt_duration_seconds_sum 0.5
tidings_delivery_attempt_duration_seconds_count 10
`;

describe('console logic', () => {
  test('metrics text: attempts by outcome, queue depth, oldest pending', () => {
    const f = healthFigures(parseMetrics(METRICS));
    assert.deepEqual(f.attempts, { succeeded: 7, failed: 3 });
    assert.equal(f.queueDepth, 4);
    assert.equal(f.oldestPendingSeconds, 12.5);
  });

  test('metrics text: escaped label values and junk lines', () => {
    const samples = parseMetrics('a{x="q\\"uote"} 1\nnot a metric line\nb 2');
    assert.deepEqual(samples, [
      { name: 'a', labels: { x: 'q"uote' }, value: 1 },
      { name: 'b', labels: {}, value: 2 },
    ]);
  });

  const wf = {
    name: 'w',
    states: ['A', 'B', 'C'],
    terminalStates: ['C'],
    initial: [{ type: 'made', to: 'A' }],
    transitions: [
      { type: 'go', from: ['A'], to: 'B' },
      { type: 'skip', from: ['A'], to: 'B' },
      { type: 'end', from: ['A', 'B'], to: 'C' },
    ],
    timers: [{ name: 'expiry', states: ['B'], fire: 'end' }],
  };

  test('workflow graph: merged edges, the path taken, the current state and timers', () => {
    const g = workflowGraph(
      wf,
      [
        { type: 'made', from: null, to: 'A' },
        { type: 'skip', from: 'A', to: 'B' },
      ],
      'B',
    );
    const ab = g.edges.find((e) => e.from === 'A' && e.to === 'B');
    assert.deepEqual(ab?.types, ['go', 'skip']);
    assert.equal(ab?.taken, true);
    assert.equal(g.edges.find((e) => e.from === START)?.taken, true);
    assert.equal(g.edges.find((e) => e.from === 'B' && e.to === 'C')?.taken, false);
    assert.deepEqual(g.nodes.find((n) => n.current)?.id, 'B');
    assert.deepEqual(g.nodes.find((n) => n.id === 'B')?.timers, ['expiry → end']);
    assert.equal(g.nodes.find((n) => n.id === 'C')?.terminal, true);
    assert.equal(g.nodes.find((n) => n.id === 'C')?.visited, false);
  });

  test('allowed transitions from a state', () => {
    assert.deepEqual(allowedFrom(wf, 'A'), [
      { type: 'go', to: ['B'] },
      { type: 'skip', to: ['B'] },
      { type: 'end', to: ['C'] },
    ]);
    assert.deepEqual(allowedFrom(wf, 'C'), []);
  });

  test('endpoint form: lists, headers, auth; secrets left out on edit unless retyped', () => {
    const body = endpointBody({
      ...EMPTY_ENDPOINT_FORM,
      url: ' http://127.0.0.1:9/h ',
      eventTypes: 'a, b,,a',
      headers: 'X-One: 1\nbad line\n',
      rateLimit: '5',
      authType: 'header',
      headerName: 'X-Key',
      headerValue: 's3cret',
    });
    assert.equal(body.url, 'http://127.0.0.1:9/h');
    assert.deepEqual(body.eventTypes, ['a', 'b']);
    assert.equal(body.workflows, null);
    assert.deepEqual(body.headers, { 'X-One': '1' });
    assert.equal(body.rateLimit, 5);
    assert.deepEqual(body.auth, { type: 'header', name: 'X-Key', value: 's3cret' });
    assert.deepEqual(parseHeaderLines('bad line').bad, ['bad line']);
    const edit = endpointBody({ ...EMPTY_ENDPOINT_FORM, url: 'http://x/', authType: 'header', headerName: 'X' }, true);
    assert.equal(edit.auth, undefined);
    const back = formOf({
      url: 'http://x/',
      description: null,
      eventTypes: ['a'],
      workflows: null,
      format: 'native',
      auth: { type: 'standard-webhooks', algorithm: 'ed25519' },
      tls: null,
      headers: { A: 'b' },
      ordering: 'none',
      rateLimit: null,
    });
    assert.equal(back.algorithm, 'ed25519');
    assert.equal(back.headers, 'A: b');
  });

  test('JWS decoding for display', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'k' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'ü' })).toString('base64url');
    assert.deepEqual(decodeJws(`${header}.${payload}.sig`), {
      header: { alg: 'EdDSA', kid: 'k' },
      payload: { sub: 'ü' },
    });
    assert.equal(decodeJws('not-a-jws'), null);
    assert.equal(decodeJws('%%%.%%%.x'), null);
  });

  test('times', () => {
    assert.equal(duration(45), '45 s');
    assert.equal(duration(3 * 3600), '3 h');
    assert.equal(ago('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:05:00Z')), '5 min ago');
    assert.equal(isoFromLocal(''), null);
    assert.equal(isoFromLocal('garbage'), null);
  });
});

describe('console types', () => {
  test("the API's answers are typed from the SDK's generated types, not redeclared in the pages", async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = 'console/src/pages';
    const redeclared = readdirSync(dir).flatMap((f) =>
      [
        ...readFileSync(`${dir}/${f}`, 'utf8').matchAll(
          /^(?:export )?(?:interface|type) (Endpoint|Delivery|Attempt|Subject|HistoryEvent|ApiKey|SigningKey|DeliveryStats|TestAnswer|PortalSession)\b/gm,
        ),
      ].map((m) => `${f}: ${m[1]}`),
    );
    assert.deepEqual(redeclared, []);
    assert.match(readFileSync('console/src/api-types.ts', 'utf8'), /from '@tidings\/sdk\/client'/);
  });
});
