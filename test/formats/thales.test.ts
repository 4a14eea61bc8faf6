import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderThales } from '../../src/formats/thales.js';
import { assertGolden, context, event, subject } from './format-fixtures.js';

const KEY_ORDER = [
  'ImageId',
  'Orientation',
  'ImageType',
  'ImageState',
  'RejectionCode',
  'SubmissionTimeStamp',
  'ImageCheckingTimeStamp',
  'DataCapture',
];
const DATA_CAPTURE = { SessionId: 'S-88231', CustomerReference: 'CR-0042' };

const custom = (status: string) =>
  subject({
    id: 'c2a1f0b4-3d5e-4f60-8a7b-9c0d1e2f3a4b',
    workflow: 'image-check',
    status,
    createdAt: '2024-03-05T10:20:00.000Z',
    attributes: { ImageType: 'Custom', Orientation: 'Vertical', DataCapture: DATA_CAPTURE },
  });

describe('thales format (seed 004)', () => {
  it('Gallery image, auto-accepted: RejectionCode "00", no checking timestamp', () => {
    const image = subject({
      id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      workflow: 'image-check',
      status: 'Accepted',
      createdAt: '2024-03-05T10:15:30.250Z',
      attributes: { ImageType: 'Gallery', Orientation: 'Horizontal' },
    });
    const e = event(image, { type: 'image-accepted', occurredAt: '2024-03-05T10:15:30.250Z' });
    const out = renderThales(context(image, e));
    assertGolden(out, 'thales-gallery-accepted.json');
    assert.deepEqual(Object.keys(out), KEY_ORDER);
  });

  it('Custom image pending after submission: RejectionCode "" and no checking timestamp', () => {
    const image = custom('Pending');
    const e = event(image, { type: 'image-submitted', occurredAt: '2024-03-05T10:20:00.000Z' });
    assertGolden(renderThales(context(image, e)), 'thales-custom-pending.json');
  });

  it('Custom image rejected: the image-checking code and the decision time', () => {
    const image = custom('Rejected');
    const e = event(image, {
      type: 'image-rejected',
      from: 'Pending',
      occurredAt: '2024-03-05T14:02:11.900Z',
      data: { RejectionCode: '07' },
    });
    assertGolden(renderThales(context(image, e)), 'thales-custom-rejected.json');
  });

  it('Custom image accepted: RejectionCode "00" and the decision time', () => {
    const image = subject({
      id: 'e4d909c2-90d0-4b9a-8c3e-1a2b3c4d5e6f',
      workflow: 'image-check',
      status: 'Accepted',
      createdAt: '2024-03-06T08:00:00.000Z',
      attributes: { ImageType: 'Custom', Orientation: 'Horizontal' },
    });
    const e = event(image, { type: 'image-accepted', from: 'Pending', occurredAt: '2024-03-06T09:30:45.000Z' });
    const out = renderThales(context(image, e));
    assertGolden(out, 'thales-custom-accepted.json');
    assert.deepEqual(Object.keys(out), KEY_ORDER);
  });

  it('relays the Thales timestamps a caller recorded instead of our own times', () => {
    const image = subject({
      ...custom('Rejected'),
      attributes: { ImageType: 'Custom', Orientation: 'Vertical', SubmissionTimeStamp: '20240305101959' },
    });
    const e = event(image, {
      type: 'image-rejected',
      from: 'Pending',
      occurredAt: '2024-03-05T14:02:11.900Z',
      data: { RejectionCode: '12', ImageCheckingTimeStamp: '20240305140000' },
    });
    const out = renderThales(context(image, e));
    assert.equal(out.SubmissionTimeStamp, '20240305101959');
    assert.equal(out.ImageCheckingTimeStamp, '20240305140000');
    assert.equal(out.RejectionCode, '12');
    assert.deepEqual(out.DataCapture, {});
  });

  it('gives a Gallery image no checking timestamp even when the data carries one', () => {
    const image = subject({
      id: 'g-1',
      workflow: 'image-check',
      status: 'Accepted',
      attributes: { ImageType: 'Gallery' },
    });
    const e = event(image, {
      type: 'image-submitted',
      occurredAt: '2024-03-05T10:15:30Z',
      data: { ImageCheckingTimeStamp: '20240305101530' },
    });
    assert.equal(renderThales(context(image, e)).ImageCheckingTimeStamp, '');
  });
});
