import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUILTIN_WORKFLOWS } from '../../src/workflows/builtin/index.js';
import { createWorkflowRegistry } from '../../src/workflows/workflow-registry.js';

/** Names, states and formats from product.md's built-in workflows table: they are part of the API. */
const PRODUCT_TABLE: Record<string, { format: string; states?: string[]; parent?: string }> = {
  'videoid-request': {
    format: 'uanataca',
    states: [
      'CREATED',
      'VIDEOPENDING',
      'VIDEOINCOMPLETE',
      'VIDEOERROR',
      'VIDEOREVIEW',
      'ENROLLREADY',
      'ISSUED',
      'CANCELLED',
    ],
  },
  'videoid-certificate': { format: 'uanataca', states: ['VALID', 'SUSPENDED', 'REVOKED'], parent: 'videoid-request' },
  'idv-transaction': {
    format: 'onespan',
    states: [
      'new',
      'workflow_in_progress',
      'workflow_completed',
      'post_processing',
      'autosigned',
      'completed',
      'vaulted',
      'cancelled',
      'expired',
      'error',
    ],
  },
  'fit-case': { format: 'set' },
  'fit-submission': {
    format: 'set',
    states: ['incomplete', 'submitted', 'forwarded', 'accepted', 'rejected', 'deleted'],
    parent: 'fit-case',
  },
  'fit-reply': {
    format: 'set',
    states: ['incomplete', 'submitted', 'accepted', 'rejected', 'deleted'],
    parent: 'fit-case',
  },
  'crypto-certificate-form': { format: 'reestro', states: ['created', 'validationError', 'Released'] },
  'crypto-signature': { format: 'reestro', states: ['Processed'], parent: 'crypto-certificate-form' },
  'image-check': { format: 'thales', states: ['Pending', 'Accepted', 'Rejected'] },
};

test('the built-in workflows are exactly the nine of product.md, and they compile together', () => {
  assert.deepEqual(BUILTIN_WORKFLOWS.map((d) => d.name).sort(), Object.keys(PRODUCT_TABLE).sort());
  assert.equal(createWorkflowRegistry(BUILTIN_WORKFLOWS).list().length, 9);
});

for (const def of BUILTIN_WORKFLOWS) {
  describe(def.name, () => {
    const expected = PRODUCT_TABLE[def.name];

    test('format, states and parent match product.md', () => {
      assert.ok(expected);
      assert.equal(def.format, expected.format);
      for (const s of expected.states ?? []) assert.ok(def.states.includes(s), `missing state ${s}`);
      if (expected.parent) assert.deepEqual(def.parent, { workflows: [expected.parent], required: true });
      else assert.equal(def.parent, undefined);
    });

    test('documents itself: title, description, notes, a description on every transition', () => {
      assert.ok(def.title && def.description);
      assert.ok((def.notes ?? []).length > 0);
      for (const t of [...def.initial, ...def.transitions]) assert.ok(t.description, `${t.type} has no description`);
    });

    test('every state can be reached from creation', () => {
      const reached = new Set(def.initial.map((t) => t.to));
      let grew = true;
      while (grew) {
        grew = false;
        for (const t of def.transitions) {
          if (!reached.has(t.to) && t.from.some((f) => reached.has(f))) {
            reached.add(t.to);
            grew = true;
          }
        }
      }
      assert.deepEqual(
        def.states.filter((s) => !reached.has(s)),
        [],
      );
    });
  });
}

test('RENEWED, the optional vendor state, is modelled on videoid-request', () => {
  const def = BUILTIN_WORKFLOWS.find((d) => d.name === 'videoid-request');
  assert.ok(def?.states.includes('RENEWED'));
});

test('REQUEST_ENROLLED spawns the certificates; FIT workflows take event URIs', () => {
  const request = BUILTIN_WORKFLOWS.find((d) => d.name === 'videoid-request');
  const enrolled = request?.transitions.find((t) => t.type === 'REQUEST_ENROLLED');
  assert.deepEqual(enrolled?.spawn, {
    workflow: 'videoid-certificate',
    field: 'certificates',
    type: 'CERTIFICATE_ISSUED',
  });
  for (const name of ['fit-submission', 'fit-reply']) {
    const def = BUILTIN_WORKFLOWS.find((d) => d.name === name);
    assert.equal(def?.eventUriBase, 'https://schema.fitko.de/fit-connect/events/');
  }
});

test('fit-submission uses exactly the FIT-Connect event names', () => {
  const def = BUILTIN_WORKFLOWS.find((d) => d.name === 'fit-submission');
  const types = new Set([...(def?.initial ?? []), ...(def?.transitions ?? [])].map((t) => t.type));
  assert.deepEqual([...types].sort(), [
    'accept-submission',
    'create-submission',
    'delete-submission',
    'forward-submission',
    'notify-submission',
    'reject-submission',
    'submit-submission',
  ]);
});
