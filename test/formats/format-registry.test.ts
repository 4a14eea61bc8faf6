import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FORMAT_NAMES, FORMATS, isFormatChoice, resolveFormat } from '../../src/formats/index.js';

describe('format registry', () => {
  it('knows the six formats under their names', () => {
    assert.deepEqual(Object.keys(FORMATS).sort(), [...FORMAT_NAMES].sort());
    for (const name of FORMAT_NAMES) assert.equal(FORMATS[name].name, name);
  });

  it('declares each content type', () => {
    assert.equal(FORMATS.native.contentType, 'application/cloudevents+json');
    assert.equal(FORMATS.set.contentType, 'application/secevent+jwt');
    for (const name of ['uanataca', 'onespan', 'reestro', 'thales'] as const) {
      assert.equal(FORMATS[name].contentType, 'application/json');
    }
  });

  it('resolves vendor to the workflow default and any other name to itself', () => {
    assert.equal(resolveFormat('vendor', 'uanataca'), FORMATS.uanataca);
    assert.equal(resolveFormat('vendor', 'native'), FORMATS.native);
    assert.equal(resolveFormat('native', 'set'), FORMATS.native);
  });

  it('rejects unknown names', () => {
    assert.throws(() => resolveFormat('xml', 'native'), TypeError);
    assert.throws(() => resolveFormat('vendor', 'bogus'), TypeError);
    assert.equal(isFormatChoice('vendor'), true);
    assert.equal(isFormatChoice('xml'), false);
  });
});
