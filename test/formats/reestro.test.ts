import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderReestro } from '../../src/formats/reestro.js';
import { assertGolden, context, event, subject } from './format-fixtures.js';

// The seed's ids; its eventDate has microseconds, so the inputs carry them too
// (our own events have milliseconds and render as ".012000Z", tested below).
const EVENT_ID = '5a8c791a-6404-4cda-b3f8-f5ec45cd685b';
const FORM_ID = '1f3ba8ad-b868-46f2-9088-56aa2753bc88';
const SIGNATURE_ID = '3aad391b-6995-4074-a2ff-46c7a1dd234e';
const AT = '2011-01-01T15:03:01.012345Z';

const form = (status: string, attributes: Record<string, unknown> = {}) =>
  subject({ id: FORM_ID, workflow: 'crypto-certificate-form', status, attributes });

describe('reestro format (seed 003)', () => {
  it('renders the seed "certificate released" CryptoEvent', () => {
    const released = form('Released');
    const data = {
      certificate: {
        contentId: 'cb351abb-36fb-43be-9194-639be38b5617',
        contentType: 'cer',
        md5: 'F7415E33F972C03ABD4F3FED36748F7A',
      },
      receipt: {
        md5: '7E0D44C48AF788657EA6F5C4C87589E8',
        contentType: 'pdf',
        contentId: '3a8cf2b8-ee9e-47ca-9ff9-75efced2d52e',
      },
    };
    const e = event(released, { id: EVENT_ID, type: 'form-released', from: 'created', occurredAt: AT, data });
    assertGolden(renderReestro(context(released, e)), 'reestro-released.json');
  });

  it('takes certificate and receipt from the form attributes when the event data has none', () => {
    const released = form('Released', {
      certificate: {
        contentId: 'cb351abb-36fb-43be-9194-639be38b5617',
        contentType: 'cer',
        md5: 'F7415E33F972C03ABD4F3FED36748F7A',
      },
      receipt: {
        contentId: '3a8cf2b8-ee9e-47ca-9ff9-75efced2d52e',
        contentType: 'pdf',
        md5: '7E0D44C48AF788657EA6F5C4C87589E8',
      },
    });
    const e = event(released, { id: EVENT_ID, type: 'form-released', from: 'created', occurredAt: AT });
    assertGolden(renderReestro(context(released, e)), 'reestro-released.json');
  });

  it('renders the seed "validation failed" CryptoEvent with its error quirks', () => {
    const failed = form('validationError');
    const data = {
      error: [
        {
          code: 'Validation',
          message: "can't validate form data",
          target: 'cryptoAPI',
          errors: { code: 'SmevValidationError', message: 'СНИЛС не соответствует данным', target: 'cryptoAPI' },
        },
      ],
    };
    const e = event(failed, { id: EVENT_ID, type: 'form-validation-failed', from: 'created', occurredAt: AT, data });
    assertGolden(renderReestro(context(failed, e)), 'reestro-validation-error.json');
  });

  it('wraps a flat list of errors in the seed shape: outer "Validation", one inner object each', () => {
    const failed = form('validationError');
    const inner = [
      { code: 'SmevValidationError', message: 'СНИЛС не соответствует данным', target: 'cryptoAPI' },
      { code: 'SmevValidationError', message: 'ИНН не соответствует данным', target: 'cryptoAPI' },
    ];
    const e = event(failed, { type: 'form-validation-failed', occurredAt: AT, data: { errors: inner } });
    const out = renderReestro(context(failed, e));
    if (!('certificateFormEvent' in out)) assert.fail('expected a certificateFormEvent');
    assert.deepEqual(
      out.certificateFormEvent.error,
      inner.map((errors) => ({ code: 'Validation', message: "can't validate form data", target: 'cryptoAPI', errors })),
    );
  });

  it('renders the seed "signing processed" CryptoEvent under the parent form id', () => {
    const signature = subject({
      id: SIGNATURE_ID,
      workflow: 'crypto-signature',
      status: 'Processed',
      parentId: FORM_ID,
    });
    const data = {
      signedFiles: {
        contentInfo: {
          contentId: '3a8cf2b8-ee9e-47ca-9ff9-75efced2d52e',
          contentType: 'pdf',
          contentName: 'Договор купли-продажи',
          md5: '7E0D44C48AF788657EA6F5C4C87589E8',
        },
        signatures: [
          {
            contentId: 'c6780dbc-126b-44f6-9f7b-7422609d8ebb',
            contentType: 'sig',
            md5: 'F7415E33F972C03ABD4F3FED36748F7A',
          },
        ],
      },
    };
    const e = event(signature, { id: EVENT_ID, type: 'signature-processed', occurredAt: AT, data });
    const out = renderReestro(context(signature, e, { parent: form('Released') }));
    assertGolden(out, 'reestro-sign-processed.json');
  });

  it('carries exactly one of certificateFormEvent / signEvent', () => {
    const f = form('Released');
    const s = subject({ id: SIGNATURE_ID, workflow: 'crypto-signature', status: 'Processed', parentId: FORM_ID });
    const formOut = renderReestro(context(f, event(f, { type: 'form-released', occurredAt: AT })));
    const signOut = renderReestro(context(s, event(s, { type: 'signature-processed', occurredAt: AT })));
    assert.deepEqual(Object.keys(formOut), ['eventId', 'eventDate', 'certificateId', 'certificateFormEvent']);
    assert.deepEqual(Object.keys(signOut), ['eventId', 'eventDate', 'certificateId', 'signEvent']);
    assert.equal(signOut.certificateId, FORM_ID);
  });

  it('writes eventDate with 6 fraction digits from our millisecond times', () => {
    const f = form('Released');
    const out = renderReestro(context(f, event(f, { type: 'form-released', occurredAt: '2025-02-03T04:05:06.789Z' })));
    assert.equal(out.eventDate, '2025-02-03T04:05:06.789000Z');
  });
});
