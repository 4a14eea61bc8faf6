import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderUanataca } from '../../src/formats/uanataca.js';
import { assertGolden, context, event, subject } from './format-fixtures.js';

const REQUEST_ID = 'a3f1c9e2-5b7d-4e8a-9c0f-1d2e3f4a5b6c';
const CERT_ID = 'b4e2d0f3-6c8e-4f9b-8d1a-2e3f4a5b6c7d';

const certificate = (status: string, version = 1) =>
  subject({
    id: CERT_ID,
    workflow: 'videoid-certificate',
    status,
    version,
    parentId: REQUEST_ID,
    createdAt: '2025-07-16T09:12:05.100Z',
    // ISO as a caller may send it, and the Uanataca form: both come out as "YYYYMMDD HH:MM:SS".
    attributes: { serial_number: '6F1D3A9C2B7E450', valid_from: '2025-07-16T09:12:05Z', valid_to: '20270716 09:12:05' },
  });

describe('uanataca format (seed 000)', () => {
  it('renders REQUEST_CREATED with the request attributes and no certificates', () => {
    const request = subject({
      id: REQUEST_ID,
      workflow: 'videoid-request',
      status: 'VIDEOPENDING',
      attributes: { profile: 'PFnubeNC', registration_authority: 7, scratchcard: '2678100', pk: 1012632 },
    });
    const e = event(request, { type: 'REQUEST_CREATED', occurredAt: '2025-07-15T08:36:33.512Z' });
    assertGolden(renderUanataca(context(request, e)), 'uanataca-request-created.json');
  });

  it('renders REQUEST_ENROLLED with the certificates spawned in the same commit', () => {
    const request = subject({ id: REQUEST_ID, workflow: 'videoid-request', status: 'ISSUED', version: 5 });
    const e = event(request, { type: 'REQUEST_ENROLLED', from: 'ENROLLREADY', occurredAt: '2025-07-16T09:12:05.100Z' });
    const out = renderUanataca(context(request, e, { children: [certificate('VALID')] }));
    assertGolden(out, 'uanataca-request-enrolled.json');
  });

  it('renders a certificate event with the parent request status and the post-event certificate', () => {
    const revoked = certificate('REVOKED', 2);
    const request = subject({ id: REQUEST_ID, workflow: 'videoid-request', status: 'ISSUED', version: 5 });
    const e = event(revoked, { type: 'CERTIFICATE_REVOKED', from: 'VALID', occurredAt: '2025-11-03T14:15:00.000Z' });
    // The caller passes the siblings as loaded; a stale copy of the certificate itself is replaced.
    const out = renderUanataca(context(revoked, e, { parent: request, children: [certificate('VALID')] }));
    assertGolden(out, 'uanataca-certificate-revoked.json');
  });

  it('lists every certificate of the request, in issue order, for a certificate event', () => {
    const older = subject({
      id: 'c0000000-0000-4000-8000-000000000001',
      workflow: 'videoid-certificate',
      status: 'VALID',
      parentId: REQUEST_ID,
      createdAt: '2025-07-16T09:12:05.000Z',
      attributes: { serialNumber: 'AAA111', validFrom: '20250716 09:12:05', validTo: '20270716 09:12:05' },
    });
    const suspended = certificate('SUSPENDED', 2);
    const request = subject({ id: REQUEST_ID, workflow: 'videoid-request', status: 'ISSUED' });
    const e = event(suspended, { type: 'CERTIFICATE_SUSPENDED', from: 'VALID', occurredAt: '2025-08-01T00:00:00Z' });
    const out = renderUanataca(context(suspended, e, { parent: request, children: [suspended, older] }));
    assert.deepEqual(
      out.certificates.map((c) => [c.status, c.serial_number]),
      [
        ['VALID', 'AAA111'],
        ['SUSPENDED', '6F1D3A9C2B7E450'],
      ],
    );
  });

  it('keeps request.status from the workflow even when an attribute is named status', () => {
    const request = subject({
      id: REQUEST_ID,
      workflow: 'videoid-request',
      status: 'VIDEOREVIEW',
      attributes: { status: 'bogus', pk: '46760' },
    });
    const e = event(request, { type: 'VIDEOID_UPDATED', from: 'VIDEOPENDING', occurredAt: '2025-07-15T09:00:00Z' });
    assert.deepEqual(renderUanataca(context(request, e)).request, { status: 'VIDEOREVIEW', pk: '46760' });
  });

  it('puts event_type, sent_at, request, certificates in the seed order', () => {
    const request = subject({ id: REQUEST_ID, workflow: 'videoid-request', status: 'CANCELLED' });
    const e = event(request, { type: 'REQUEST_CANCELED', from: 'VIDEOPENDING', occurredAt: '2025-07-15T09:00:00Z' });
    assert.deepEqual(Object.keys(renderUanataca(context(request, e))), [
      'event_type',
      'sent_at',
      'request',
      'certificates',
    ]);
  });

  it('refuses a certificate event without its request', () => {
    const c = certificate('REVOKED', 2);
    const e = event(c, { type: 'CERTIFICATE_REVOKED', occurredAt: '2025-11-03T14:15:00Z' });
    assert.throws(() => renderUanataca(context(c, e)), TypeError);
  });
});
