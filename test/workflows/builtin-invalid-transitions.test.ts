import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUILTIN_WORKFLOWS } from '../../src/workflows/builtin/index.js';
import { applyEvent } from '../../src/workflows/engine.js';
import { expectError, fakeContext, registry, subjectIn } from './engine-kit.js';

/** Attributes that satisfy each workflow's schema, so only the transition rule is under test. */
const ATTRIBUTES: Record<string, Record<string, unknown>> = {
  'videoid-certificate': { serial_number: '7A3F' },
  'image-check': { ImageType: 'Custom' },
};

/** Every (state, event type) pair the definition does not allow, generated from the definition itself. */
function forbiddenPairs(workflow: string): Array<[string, string]> {
  const compiled = registry.get(workflow);
  assert.ok(compiled);
  const { states, transitions } = compiled.definition;
  const pairs: Array<[string, string]> = [];
  for (const state of states) {
    for (const type of compiled.eventTypes) {
      if (!transitions.some((t) => t.type === type && t.from.includes(state))) pairs.push([state, type]);
    }
  }
  return pairs;
}

for (const def of BUILTIN_WORKFLOWS) {
  describe(`${def.name} refuses every transition it does not define`, () => {
    const pairs = forbiddenPairs(def.name);
    const allowed = def.transitions.reduce((n, t) => n + t.from.length, 0);
    const types = new Set([...def.initial, ...def.transitions].map((t) => t.type));

    test('the generated table is the complement of the allowed pairs', () => {
      // Same-type transitions to different targets share from-states (VIDEOID_UPDATED), so count pairs, not edges.
      const allowedPairs = new Set(def.transitions.flatMap((t) => t.from.map((f) => `${f} ${t.type}`)));
      assert.ok(allowedPairs.size <= allowed);
      assert.equal(pairs.length, def.states.length * types.size - allowedPairs.size);
      assert.ok(pairs.length > 0);
    });

    test(`${pairs.length} forbidden (state, event) pairs answer invalid_transition`, () => {
      for (const [state, type] of pairs) {
        const subject = subjectIn(def.name, state, ATTRIBUTES[def.name]);
        const result = applyEvent(registry, subject, { type, data: {} }, fakeContext());
        expectError(result, 'invalid_transition', `${type} in ${state}`);
      }
    });

    test('terminal states allow nothing and every other state allows something', () => {
      for (const state of def.states) {
        const outgoing = def.transitions.filter((t) => t.from.includes(state));
        if (def.terminalStates.includes(state)) assert.deepEqual(outgoing, [], `${state} is terminal`);
        else assert.ok(outgoing.length > 0, `${state} is not terminal but has no way out`);
      }
    });
  });
}

describe('forbidden transitions, checked by hand', () => {
  const refused = (workflow: string, status: string, type: string, attributes?: Record<string, unknown>) => {
    const result = applyEvent(registry, subjectIn(workflow, status, attributes), { type }, fakeContext());
    return expectError(result, 'invalid_transition', `${type} in ${status}`);
  };

  test('a cancelled VideoID request cannot be approved', () => {
    const e = refused('videoid-request', 'CANCELLED', 'REQUEST_APPROVED');
    assert.match(e.message, /CANCELLED is terminal/);
    assert.match(e.message, /allowed from VIDEOREVIEW, CREATED/);
  });

  test('a VideoID request cannot be enrolled before approval', () => {
    refused('videoid-request', 'VIDEOREVIEW', 'REQUEST_ENROLLED');
  });

  test('an issued VideoID request can no longer be cancelled', () => {
    refused('videoid-request', 'ISSUED', 'REQUEST_CANCELED');
  });

  test('a creating event cannot be applied to an existing subject', () => {
    const e = refused('videoid-request', 'VIDEOPENDING', 'REQUEST_CREATED');
    assert.match(e.message, /only creates subjects/);
  });

  test('a revoked certificate cannot be reactivated', () => {
    refused('videoid-certificate', 'REVOKED', 'CERTIFICATE_ACTIVATED', { serial_number: '1' });
  });

  test('a valid certificate cannot be activated', () => {
    refused('videoid-certificate', 'VALID', 'CERTIFICATE_ACTIVATED', { serial_number: '1' });
  });

  test('a vaulted transaction cannot be cancelled, a completed one cannot expire', () => {
    refused('idv-transaction', 'vaulted', 'transaction-cancelled');
    refused('idv-transaction', 'completed', 'expire');
  });

  test('an accepted submission cannot be submitted again or rejected', () => {
    refused('fit-submission', 'accepted', 'submit-submission');
    refused('fit-submission', 'accepted', 'reject-submission');
  });

  test('an incomplete submission cannot be accepted, a forwarded one not deleted', () => {
    refused('fit-submission', 'incomplete', 'accept-submission');
    refused('fit-submission', 'forwarded', 'delete-submission');
  });

  test('a reply cannot be forwarded: it is not a reply event at all', () => {
    const result = applyEvent(
      registry,
      subjectIn('fit-reply', 'submitted'),
      { type: 'forward-submission' },
      fakeContext(),
    );
    const e = expectError(result, 'validation');
    assert.equal(e.errors[0]?.target, 'type');
  });

  test('a released form cannot fail validation, a signature has no transitions', () => {
    refused('crypto-certificate-form', 'Released', 'form-validation-failed');
    refused('crypto-signature', 'Processed', 'signature-processed');
  });

  test('an accepted image cannot be rejected afterwards', () => {
    refused('image-check', 'Accepted', 'image-rejected', { ImageType: 'Custom' });
  });
});
