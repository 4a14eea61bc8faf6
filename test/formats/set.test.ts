import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIT_SET_PAYLOAD_SCHEMA, renderSet, setClaims, setHeader } from '../../src/formats/set.js';
import { assertGolden, context, event, readFixture, subject } from './format-fixtures.js';

// The seed 002 example: a destination (the receiving system) accepted a submission.
const CASE_ID = '452b5ee6-35df-441a-bd39-6141723cf914';
const SUBMISSION_ID = '02bf1d9f-282d-4abf-810a-c4104baf0afe';
const DESTINATION_ID = '40847c29-06aa-40e2-bf28-c29884c694c4';
const JTI = '8538165b-9ce3-4097-871d-5b9581a3b4d9';
const ACCEPT_URI = 'https://schema.fitko.de/fit-connect/events/accept-submission';

const fitCase = subject({ id: CASE_ID, workflow: 'fit-case', status: 'open' });
const submission = subject({ id: SUBMISSION_ID, workflow: 'fit-submission', status: 'accepted', parentId: CASE_ID });
const authenticationTags = (readFixture('set-accept-submission.json') as { events: Record<string, unknown> }).events[
  ACCEPT_URI
];

const accepted = (data: Record<string, unknown>) =>
  event(submission, {
    id: JTI,
    type: 'accept-submission',
    from: 'submitted',
    occurredAt: '2021-06-04T08:48:52.000Z',
    data,
  });

describe('set format (seed 002)', () => {
  it('renders the seed example claims, with the destination id as issuer', () => {
    const ctx = context(submission, accepted(authenticationTags as Record<string, unknown>), {
      parent: fitCase,
      issuer: DESTINATION_ID,
    });
    assertGolden(setClaims(ctx), 'set-accept-submission.json');
  });

  it('leaves $schema out when the event has no payload, and keeps the payload {}', () => {
    const claims = setClaims(context(submission, accepted({}), { parent: fitCase, issuer: DESTINATION_ID }));
    assert.equal('$schema' in claims, false);
    assert.deepEqual(claims.events, { [ACCEPT_URI]: {} });
  });

  it('has exactly one event, keyed by the FIT-Connect event URI', () => {
    const claims = setClaims(context(submission, accepted(authenticationTags as Record<string, unknown>)));
    assert.equal(Object.keys(claims.events).length, 1);
    assert.equal(claims.$schema, FIT_SET_PAYLOAD_SCHEMA);
    // Without a loaded parent, the case comes from the event's parentId.
    assert.equal(claims.txn, `case:${CASE_ID}`);
  });

  it('does not prefix an event type already written as a URI', () => {
    const e = { ...accepted({}), type: ACCEPT_URI };
    assert.deepEqual(Object.keys(setClaims(context(submission, e)).events), [ACCEPT_URI]);
  });

  it('names a reply reply:<id> and finds its case through a parent submission', () => {
    const reply = subject({ id: 'r-1', workflow: 'fit-reply', status: 'submitted', parentId: SUBMISSION_ID });
    const e = event(reply, { type: 'submit-reply', from: 'incomplete', occurredAt: '2021-06-05T00:00:00Z' });
    const claims = setClaims(context(reply, e, { parent: submission }));
    assert.equal(claims.sub, 'reply:r-1');
    assert.equal(claims.txn, `case:${CASE_ID}`);
    assert.deepEqual(Object.keys(claims.events), ['https://schema.fitko.de/fit-connect/events/submit-reply']);
  });

  it('uses <workflow>:<id>, the parent as txn and an issuer-based URI for other workflows', () => {
    const cert = subject({ id: 'c-1', workflow: 'videoid-certificate', status: 'REVOKED', parentId: 'q-1' });
    const request = subject({ id: 'q-1', workflow: 'videoid-request', status: 'ISSUED' });
    const e = event(cert, {
      type: 'CERTIFICATE_REVOKED',
      from: 'VALID',
      occurredAt: '2025-11-03T14:15:00Z',
      data: { reason: 'x' },
    });
    const claims = setClaims(context(cert, e, { parent: request, issuer: 'https://tidings.example/' }));
    assert.deepEqual(claims, {
      jti: e.id,
      iss: 'https://tidings.example/',
      iat: 1762179300,
      sub: 'videoid-certificate:c-1',
      txn: 'videoid-request:q-1',
      events: { 'https://tidings.example/events/videoid-certificate/CERTIFICATE_REVOKED': { reason: 'x' } },
    });
  });

  it('builds the JOSE header from the signing key: PS512 by default, EdDSA / ES256 when asked', () => {
    assert.deepEqual(setHeader('k1'), { typ: 'secevent+jwt', alg: 'PS512', kid: 'k1' });
    assert.deepEqual(setHeader('k2', 'EdDSA'), { typ: 'secevent+jwt', alg: 'EdDSA', kid: 'k2' });
    const token = renderSet(context(submission, accepted({}), { signingKey: { kid: 'k3', alg: 'PS512' } }));
    assert.deepEqual(Object.keys(token.header), ['typ', 'alg', 'kid']);
    assert.equal(token.header.kid, 'k3');
    assert.deepEqual(Object.keys(token.claims), ['jti', 'iss', 'iat', 'sub', 'txn', 'events']);
  });

  it('refuses to render a SET without a signing key to name in kid', () => {
    assert.throws(() => renderSet(context(submission, accepted({}))), TypeError);
  });
});
