import type { WorkflowDefinition } from '../workflow-definition.js';

/** Uanataca certificate time: `YYYYMMDD HH:MM:SS` (one space; unlike `sent_at`). */
const CERT_TIME = { type: 'string', pattern: '^[0-9]{8} [0-9]{2}:[0-9]{2}:[0-9]{2}$' };

/**
 * A certificate issued for a `videoid-request`, seed 000. Its states use the
 * webhook vocabulary (VALID, not the Confluence page's ACTIVE).
 *
 * CERTIFICATE_ISSUED is our own name for the creating event: the vendor sends
 * REQUEST_ENROLLED on the request, which spawns these children in the same
 * transaction. Transitions between VALID/SUSPENDED/REVOKED are [INFER] from
 * the event names.
 */
export const videoidCertificate: WorkflowDefinition = {
  name: 'videoid-certificate',
  title: 'VideoID certificate (Uanataca)',
  description:
    'A certificate issued for a videoid-request: valid, suspended and reactivated, or revoked. ' +
    'Rendered in the Uanataca envelope of its parent request, which lists all its certificates.',
  notes: [
    'Seed 000. Certificate states use the webhook values VALID, SUSPENDED, REVOKED (Confluence says ACTIVE; not used).',
    'CERTIFICATE_ISSUED is our name for the creating event; REQUEST_ENROLLED on the parent spawns it per certificate.',
    'CERTIFICATE_SUSPENDED is vendor-documented; CERTIFICATE_ACTIVATED is only in a 3P enum.',
    '[INFER] VALID -> SUSPENDED -> VALID; VALID or SUSPENDED -> REVOKED, which is terminal.',
    'The request status of the parent stays ISSUED through certificate events (different vocabularies).',
    'A status member in the attributes (copied from a vendor envelope) is kept as given; the subject status is authoritative.',
  ],
  states: ['VALID', 'SUSPENDED', 'REVOKED'],
  terminalStates: ['REVOKED'],
  initial: [
    {
      type: 'CERTIFICATE_ISSUED',
      to: 'VALID',
      description: 'The certificate was issued (our event name; recorded when the parent request is enrolled).',
    },
  ],
  transitions: [
    {
      type: 'CERTIFICATE_SUSPENDED',
      from: ['VALID'],
      to: 'SUSPENDED',
      description: 'The certificate was suspended.',
    },
    {
      type: 'CERTIFICATE_ACTIVATED',
      from: ['SUSPENDED'],
      to: 'VALID',
      description: 'A suspended certificate was reactivated.',
    },
    {
      type: 'CERTIFICATE_REVOKED',
      from: ['VALID', 'SUSPENDED'],
      to: 'REVOKED',
      description: 'The certificate was revoked; this is final.',
    },
  ],
  attributesSchema: {
    type: 'object',
    required: ['serial_number'],
    properties: {
      serial_number: { type: 'string', minLength: 1 },
      valid_from: CERT_TIME,
      valid_to: CERT_TIME,
    },
  },
  immutableAttributes: ['serial_number'],
  parent: { workflows: ['videoid-request'], required: true },
  format: 'uanataca',
};
