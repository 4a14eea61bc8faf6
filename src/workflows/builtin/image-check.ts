import type { WorkflowDefinition } from '../workflow-definition.js';

/** Thales timestamps: `yyyyMMddHHmmss` (zone not documented). */
const THALES_TIME = { type: 'string', pattern: '^[0-9]{14}$' };

/**
 * A Thales Perso Design Services image check, seed 004. Gallery images are
 * accepted at once; Custom images wait in Pending for a human decision. The
 * seed names states only, so the event names are ours.
 *
 * The RejectionCode rules are data schemas (a 400 `validation` when broken):
 * a rejection needs a configured code, i.e. non-empty and not the acceptance
 * code "00"; an acceptance may only carry "00".
 */
export const imageCheck: WorkflowDefinition = {
  name: 'image-check',
  title: 'Card image check (Thales)',
  description:
    'A card design image submitted for checking: Gallery images are accepted automatically, ' +
    'Custom images are reviewed and accepted or rejected with a rejection code.',
  notes: [
    'Seed 004 (Thales image-checking push). Event names are ours: the push carries ImageState only.',
    'image-submitted routes on attributes.ImageType: Gallery -> Accepted directly, Custom -> Pending.',
    'image-rejected requires data.RejectionCode, non-empty and not "00"; image-accepted allows only "00".',
    '[INFER] Accepted and Rejected are terminal; a rejected user submits a new image (a new subject).',
    'ImageType is immutable: it decided the route at creation.',
  ],
  states: ['Pending', 'Accepted', 'Rejected'],
  terminalStates: ['Accepted', 'Rejected'],
  initial: [
    {
      type: 'image-submitted',
      to: 'Accepted',
      description: 'A Gallery image was submitted and accepted automatically.',
      when: { attributes: { properties: { ImageType: { const: 'Gallery' } } } },
    },
    {
      type: 'image-submitted',
      to: 'Pending',
      description: 'A Custom image was submitted and awaits checking.',
      when: { attributes: { properties: { ImageType: { const: 'Custom' } } } },
    },
  ],
  transitions: [
    {
      type: 'image-accepted',
      from: ['Pending'],
      to: 'Accepted',
      description: 'The checker accepted the Custom image (RejectionCode "00").',
      dataSchema: {
        type: 'object',
        properties: { RejectionCode: { const: '00' }, ImageCheckingTimeStamp: THALES_TIME },
      },
    },
    {
      type: 'image-rejected',
      from: ['Pending'],
      to: 'Rejected',
      description: 'The checker rejected the Custom image with a configured image-checking code.',
      dataSchema: {
        type: 'object',
        required: ['RejectionCode'],
        properties: {
          RejectionCode: { type: 'string', minLength: 1, not: { const: '00' } },
          ImageCheckingTimeStamp: THALES_TIME,
        },
      },
    },
  ],
  attributesSchema: {
    type: 'object',
    required: ['ImageType'],
    properties: {
      ImageType: { enum: ['Gallery', 'Custom'] },
      Orientation: { enum: ['Horizontal', 'Vertical'] },
      SubmissionTimeStamp: THALES_TIME,
      DataCapture: { type: 'object', description: 'Optional key/values configured on the product.' },
    },
  },
  immutableAttributes: ['ImageType'],
  format: 'thales',
};
