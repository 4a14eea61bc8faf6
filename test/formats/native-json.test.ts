import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../../src/events/event.js';
import { renderNative } from '../../src/formats/native.js';
import { nativeFits, nativeJson, snapshotAttributesJson } from '../../src/formats/native-json.js';
import { contextFromSnapshot, snapshotOf } from '../../src/formats/render-snapshot.js';
import type { Subject } from '../../src/subjects/subject.js';
import { event, subject } from './format-fixtures.js';

/** Values whose JSON spelling is easy to get wrong: every one must come out as the object path writes it. */
const AWKWARD: Array<Record<string, unknown>> = [
  {},
  { note: 'x'.repeat(200), upload: 3 },
  { 2: 'integer-like key first', b: 1, 1: 'one', '-1': 'not an index', '01': 'nor this' },
  { numbers: [0, -0, 1.5, -2e-7, 1e21, 123456789012345680000, Number.MAX_SAFE_INTEGER, 0.1 + 0.2] },
  { text: 'quote " backslash \\ slash / newline \n tab \t cr \r bell \u0007 nul-free \u001f del \u007f' },
  { unicode: 'é € 😀 \u2028 \u2029 \ufeff', 'clé "quotée"': true, lone: '\ud800 and \udfff', pair: '\ud83d\ude00' },
  { __proto__x: 1, constructor: 'c', toString: 'no', nested: { a: { b: { c: [[], {}, [null, false]] } } } },
  { attributes: { attributes: '"attributes":{' }, '","attributes":': 'in a key' },
  JSON.parse('{"__proto__":{"polluted":1},"a":1}'),
];

function storedEvent(s: Subject, data: Record<string, unknown>, fields: Partial<StoredEvent> = {}): StoredEvent {
  return event(s, {
    type: 'VIDEOID_UPDATED',
    occurredAt: '2025-07-15T08:36:33.512Z',
    sequence: 987654,
    data,
    ...fields,
  });
}

/** The object path's bytes and the text path's, from the texts the store keeps (`JSON.stringify` of each). */
function bothWays(s: Subject, e: StoredEvent, issuer: string) {
  const snapshotText = JSON.stringify(snapshotOf(e, new Map([[s.id, s]]), new Map()));
  const ctx = contextFromSnapshot(e, JSON.parse(snapshotText), issuer);
  const attributesJson = snapshotAttributesJson(snapshotText);
  assert.notEqual(attributesJson, null, snapshotText);
  const source = { ...e, dataJson: JSON.stringify(e.data), attributesJson: attributesJson as string };
  assert.ok(nativeFits(source));
  return { objects: JSON.stringify(renderNative(ctx)), text: nativeJson(source, issuer) };
}

describe('native format written as text (nativeJson)', () => {
  it('writes the same bytes as JSON.stringify(renderNative(ctx)) for awkward data and attributes', () => {
    for (const data of AWKWARD) {
      for (const attributes of AWKWARD) {
        const s = subject({ id: 'req-"1"\\é', workflow: 'videoid-request', status: 'VIDEOPENDING', attributes });
        const { objects, text } = bothWays(s, storedEvent(s, data), 'https://tidings.example');
        assert.equal(text, objects);
      }
    }
  });

  it('writes fromstatus and parentid only when present, and the issuer without trailing slashes', () => {
    const parent = subject({ id: 'req-1', workflow: 'videoid-request', status: 'VIDEOPENDING' });
    const child = subject({ id: 'cert-1', workflow: 'videoid-certificate', status: 'REVOKED', parentId: parent.id });
    for (const e of [
      storedEvent(child, { n: 1 }, { from: 'VALID', type: 'CERTIFICATE_REVOKED', subjectVersion: 7 }),
      storedEvent(child, { n: 2 }, { from: null, parentId: null, sequence: 1 }),
    ]) {
      for (const issuer of ['https://tidings.example', 'https://tidings.example///', 'https://h/"x"']) {
        const { objects, text } = bothWays(child, e, issuer);
        assert.equal(text, objects);
      }
    }
  });

  it('finds the attributes only in a snapshot of the stored shape', () => {
    assert.equal(snapshotAttributesJson('{"subject":{"id":"a\\"","attributes":{"k":"}"}},"parent":null}'), '{"k":"}"}');
    assert.equal(snapshotAttributesJson('{"subject":{"id":"a","attributes":null},"parent":null}'), 'null');
    // no attributes in the subject: the parent's must not be taken
    assert.equal(
      snapshotAttributesJson('{"subject":{"id":"a"},"parent":{"id":"p","attributes":{"x":1}},"children":[]}'),
      null,
    );
    assert.equal(snapshotAttributesJson('{"parent":null,"subject":{"attributes":{}}}'), null);
    assert.equal(snapshotAttributesJson('{"subject":{"id":"a","attributes":{"cut'), null);
    assert.equal(snapshotAttributesJson(''), null);
  });

  it('leaves a text that may nest too deep to write to the object path', () => {
    const deep = `{"n":${'['.repeat(5_000)}1${']'.repeat(5_000)}}`;
    assert.equal(nativeFits({ dataJson: deep, attributesJson: '{}' }), false);
    assert.equal(nativeFits({ dataJson: '{}', attributesJson: deep }), false);
    assert.equal(nativeFits({ dataJson: JSON.stringify({ note: '['.repeat(999) }), attributesJson: '{}' }), true);
  });
});
