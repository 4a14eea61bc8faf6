import type { WorkflowDefinition } from '../workflow-definition.js';

/** States in which the RA can still cancel a request (before issuance). */
const CANCELLABLE = ['CREATED', 'VIDEOPENDING', 'VIDEOINCOMPLETE', 'VIDEOERROR', 'VIDEOREVIEW', 'ENROLLREADY'];

/** States from which the user (re)uploads VideoID evidence. */
const UPLOADING = ['VIDEOPENDING', 'VIDEOINCOMPLETE', 'VIDEOERROR'];

/**
 * Uanataca (Namirial) VideoID certificate request, seed 000. Event types are
 * the seed's `event_type` values; `request.status` on the wire is our state.
 *
 * Choices where the seed is silent ([INFER]):
 * - VIDEOERROR is retryable, not terminal: the user may upload again
 *   (VIDEOID_UPDATED) or the RA may cancel (REQUEST_CANCELED);
 * - REQUEST_CANCELED is allowed in every state before ISSUED;
 * - VIDEOID_UPDATED without `to` goes to VIDEOREVIEW (all evidence in), with
 *   `to: VIDEOINCOMPLETE` it records a partial upload (also repeatable);
 * - VIDEOREVIEW → CREATED (non-natural-person profiles) is VIDEOID_VALIDATED;
 * - RENEWED is reached by REQUEST_RENEWED, a name of ours (no event found).
 */
export const videoidRequest: WorkflowDefinition = {
  name: 'videoid-request',
  title: 'VideoID certificate request (Uanataca)',
  description:
    'A certificate request at a Uanataca/Namirial registration authority, from creation through VideoID ' +
    'evidence, RA officer review and issuance. Issued certificates are child videoid-certificate subjects.',
  notes: [
    'Seed 000 (Uanataca VideoID webhooks). REQUEST_CANCELED is spelled with one L, the CANCELLED state with two.',
    'REQUEST_CREATED leads to VIDEOPENDING (VideoID flow) by default, or to CREATED (paperless flow) with to=CREATED.',
    '[INFER] VIDEOID_UPDATED defaults to VIDEOREVIEW; to=VIDEOINCOMPLETE records a partial upload (repeatable).',
    '[INFER] VIDEOINCOMPLETE and VIDEOERROR may go on to VIDEOREVIEW / VIDEOINCOMPLETE (upload again).',
    '[INFER] VIDEOERROR is not terminal (the seed does not say); it can be retried or cancelled.',
    '[INFER] REQUEST_CANCELED is accepted in every state before ISSUED (seed: VIDEOPENDING, vendor: CREATED).',
    '[INFER] VIDEOREVIEW -> CREATED uses VIDEOID_VALIDATED (3P enum value; the transition event is not stated).',
    '[INFER] ISSUED -> RENEWED uses REQUEST_RENEWED, a name of ours: the vendor lists the state, no event.',
    'REQUEST_ENROLLED creates one videoid-certificate child (CERTIFICATE_ISSUED) per item of data.certificates.',
    'SIGNED (3P enum, One-Shot signing done) names no request state and is not modelled.',
  ],
  states: [
    'CREATED',
    'VIDEOPENDING',
    'VIDEOINCOMPLETE',
    'VIDEOERROR',
    'VIDEOREVIEW',
    'ENROLLREADY',
    'ISSUED',
    'RENEWED',
    'CANCELLED',
  ],
  terminalStates: ['RENEWED', 'CANCELLED'],
  initial: [
    { type: 'REQUEST_CREATED', to: 'VIDEOPENDING', description: 'VideoID request created; waiting for the video.' },
    { type: 'REQUEST_CREATED', to: 'CREATED', description: 'Paperless request created (pass to=CREATED).' },
  ],
  transitions: [
    {
      type: 'VIDEOID_UPDATED',
      from: UPLOADING,
      to: 'VIDEOREVIEW',
      description: 'The user finished the VideoID; all evidence is uploaded and awaits RA officer review.',
    },
    {
      type: 'VIDEOID_UPDATED',
      from: UPLOADING,
      to: 'VIDEOINCOMPLETE',
      description: 'Part of the evidence was uploaded (pass to=VIDEOINCOMPLETE).',
    },
    {
      type: 'VIDEOID_FAILED',
      from: ['VIDEOPENDING', 'VIDEOINCOMPLETE'],
      to: 'VIDEOERROR',
      description: 'The VideoID failed (documentation issue or upload failure).',
    },
    {
      type: 'VIDEOID_VALIDATED',
      from: ['VIDEOREVIEW'],
      to: 'CREATED',
      description: 'Evidence validated for a non-natural-person profile; the request continues as paperless.',
    },
    {
      type: 'REQUEST_APPROVED',
      from: ['VIDEOREVIEW', 'CREATED'],
      to: 'ENROLLREADY',
      description: 'The RA officer approved the request; the user can complete issuance.',
    },
    {
      type: 'VIDEOID_REFUSED',
      from: ['VIDEOREVIEW'],
      to: 'CANCELLED',
      description: 'The RA officer refused the VideoID evidence.',
    },
    {
      type: 'REQUEST_CANCELED',
      from: CANCELLABLE,
      to: 'CANCELLED',
      description: 'The request was cancelled before issuance.',
    },
    {
      type: 'REQUEST_ENROLLED',
      from: ['ENROLLREADY'],
      to: 'ISSUED',
      description:
        'The user completed issuance; each item of data.certificates becomes a videoid-certificate child in VALID.',
      dataSchema: {
        type: 'object',
        properties: { certificates: { type: 'array', items: { type: 'object' } } },
      },
      spawn: { workflow: 'videoid-certificate', field: 'certificates', type: 'CERTIFICATE_ISSUED' },
    },
    {
      type: 'REQUEST_RENEWED',
      from: ['ISSUED'],
      to: 'RENEWED',
      description: 'The certificates of this request were renewed (event name ours; the vendor names only the state).',
    },
  ],
  attributesSchema: {
    type: 'object',
    description: 'Request fields seen in vendor and third-party examples; others are kept as given.',
    properties: {
      profile: { type: 'string', minLength: 1 },
      registration_authority: { type: 'integer' },
      scratchcard: { type: 'string' },
      pk: {
        type: ['integer', 'string'],
        description: 'Uanataca request id; integer in vendor examples, string in 3P.',
      },
      videoid_pk: { type: ['integer', 'string'] },
      videoid_link: { type: 'string' },
    },
  },
  format: 'uanataca',
};
