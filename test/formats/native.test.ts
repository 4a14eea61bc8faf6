import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderNative } from '../../src/formats/native.js';
import { assertGolden, context, event, subject } from './format-fixtures.js';

const request = subject({
  id: 'req-46760',
  workflow: 'videoid-request',
  status: 'VIDEOPENDING',
  attributes: { profile: 'PFnubeNC', pk: 1012632 },
});
const created = event(request, { type: 'REQUEST_CREATED', sequence: 42, occurredAt: '2025-07-15T08:36:33.512Z' });

describe('native format (CloudEvents 1.0)', () => {
  it('renders a creating event', () => {
    assertGolden(renderNative(context(request, created)), 'native-request-created.json');
  });

  it('has the required attributes, non-empty, and specversion 1.0', () => {
    const ce = renderNative(context(request, created));
    for (const name of ['id', 'source', 'specversion', 'type'] as const) {
      assert.equal(typeof ce[name], 'string');
      assert.ok(ce[name].length > 0, `${name} is empty`);
    }
    assert.equal(ce.specversion, '1.0');
    assert.ok(URL.canParse(ce.source), 'source is a URI');
    assert.ok(!Number.isNaN(Date.parse(ce.time)) && ce.time.endsWith('Z'), 'time is RFC 3339');
  });

  it('names every attribute in lowercase alphanumerics with a string or integer value', () => {
    const child = subject({ id: 'cert-1', workflow: 'videoid-certificate', status: 'REVOKED', parentId: 'req-46760' });
    const e = event(child, { type: 'CERTIFICATE_REVOKED', from: 'VALID', occurredAt: '2025-11-03T14:15:00.000Z' });
    const ce = renderNative(context(child, e));
    for (const [name, value] of Object.entries(ce)) {
      if (name === 'data') continue;
      assert.match(name, /^[a-z0-9]{1,20}$/);
      assert.ok(typeof value === 'string' || Number.isInteger(value), `${name} is ${typeof value}`);
    }
    assert.equal(ce.fromstatus, 'VALID');
    assert.equal(ce.parentid, 'req-46760');
  });

  it('omits fromstatus and parentid rather than sending null', () => {
    const ce = renderNative(context(request, created));
    assert.equal('fromstatus' in ce, false);
    assert.equal('parentid' in ce, false);
  });

  it('pads sequence so that string order is event order', () => {
    const seq = (n: number) => renderNative(context(request, { ...created, sequence: n })).sequence;
    assert.ok(seq(9) < seq(10));
    assert.equal(Number(seq(123456)), 123456);
  });
});
