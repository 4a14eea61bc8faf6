import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestApp } from '../helpers/test-runtime.js';

const YAML = `
name: parcel-signature
title: Parcel signature
description: A courier collects a signature on delivery.
states: [out-for-delivery, signed, refused]
terminalStates: [signed, refused]
initial:
  - type: dispatched
    to: out-for-delivery
transitions:
  - type: signature-collected
    from: [out-for-delivery]
    to: signed
    dataSchema:
      type: object
      required: [signer]
      properties:
        signer: { type: string, minLength: 1 }
  - type: refused
    from: [out-for-delivery]
    to: refused
`;

test('an operator workflow from a YAML file (TIDINGS_WORKFLOW_FILES) is listed, walkable and native by default', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-wf-'));
  const file = join(dir, 'parcel.yaml');
  writeFileSync(file, YAML);
  const t = await startTestApp({ TIDINGS_WORKFLOW_FILES: file });
  try {
    const { auth } = await t.tenant();
    const inject = (method: 'GET' | 'POST', url: string, payload?: object) =>
      t.runtime.app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });
    const wf = await inject('GET', '/v1/workflows/parcel-signature');
    assert.equal(wf.statusCode, 200);
    assert.equal(wf.json().format, 'native');
    assert.equal(
      (await inject('POST', '/v1/subjects', { workflow: 'parcel-signature', id: 'p1' })).json().status,
      'out-for-delivery',
    );
    const unsigned = await inject('POST', '/v1/subjects/p1/events', { type: 'signature-collected', data: {} });
    assert.equal(unsigned.statusCode, 400);
    assert.equal(unsigned.json().errors[0].target, 'data.signer');
    const signed = await inject('POST', '/v1/subjects/p1/events', {
      type: 'signature-collected',
      data: { signer: 'A. Smith' },
    });
    assert.equal(signed.statusCode, 201);
    assert.equal(
      (await inject('POST', '/v1/subjects/p1/events', { type: 'refused' })).json().code,
      'invalid_transition',
    );
  } finally {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
