import type { WorkflowDefinition } from '../workflow-definition.js';
import {
  FIT_EVENT_URI_BASE,
  optionalTagsAndProblems,
  SUBMISSION_TIMEOUT_PROBLEM,
  withAuthenticationTags,
} from './fit-connect-schemas.js';

/**
 * A FIT-Connect submission (Einreichung), seed 002. Event types are the
 * FIT-Connect short names; the full URI `https://schema.fitko.de/fit-connect/
 * events/<name>` is accepted as the same type.
 *
 * Choices: notify-submission is informational (submitted → submitted, [INFER]);
 * delete-submission from incomplete/accepted/rejected is retention clean-up
 * ([MEM]); reject-submission's `problems` is optional because the vendor
 * requirement is only [MEM]. The 14-day auto-reject is vendor-documented.
 */
export const fitSubmission: WorkflowDefinition = {
  name: 'fit-submission',
  title: 'FIT-Connect submission',
  description:
    'A submission in a FIT-Connect case, from creation by the sender to acceptance or rejection by the ' +
    'receiving system, rejected automatically after 14 days in submitted.',
  notes: [
    'Seed 002 (FIT-Connect event log). Event types accept the full URI https://schema.fitko.de/fit-connect/events/<name>.',
    'submit-submission, notify-submission and accept-submission require data.authenticationTags [VENDOR].',
    '[INFER] notify-submission keeps the status submitted and does not restart the 14-day timer.',
    '[MEM] reject-submission: problems and authenticationTags are both optional here (vendor requirement unconfirmed).',
    '[MEM] delete-submission leads to deleted from incomplete, accepted or rejected (retention clean-up).',
    'Timer: 14 days after entering submitted the delivery service records reject-submission with a timeout problem.',
    'The timeout problem type is urn:tidings:problem:submission-timeout: FIT-Connect problem URIs were NOT FOUND.',
    'attributes.destinationId names the destination (receiving system). accept-submission and reject-submission ' +
      'recorded through the API are then issued by it: the SET iss is the destination id and it is signed with the ' +
      "destination's own key, served at GET /v1/destinations/{id}/keys/{kid} [SEED]+[3P]. The timer's reject and " +
      'submissions without a destinationId are issued by TIDINGS_ISSUER.',
  ],
  attributesSchema: {
    type: 'object',
    properties: {
      destinationId: {
        type: 'string',
        format: 'uuid',
        description:
          'The destination (Zustellpunkt) the submission is addressed to; it issues accept/reject-submission.',
      },
    },
  },
  immutableAttributes: ['destinationId'],
  states: ['incomplete', 'submitted', 'forwarded', 'accepted', 'rejected', 'deleted'],
  terminalStates: ['deleted'],
  initial: [
    {
      type: 'create-submission',
      to: 'incomplete',
      description: 'The sender created the submission; content is being uploaded.',
    },
  ],
  transitions: [
    {
      type: 'submit-submission',
      from: ['incomplete'],
      to: 'submitted',
      description: 'The sender submitted it; data carries the authentication tags of the encrypted parts.',
      dataSchema: withAuthenticationTags,
    },
    {
      type: 'notify-submission',
      from: ['submitted'],
      to: 'submitted',
      description: 'The receiving side was notified of the submission (status unchanged).',
      dataSchema: withAuthenticationTags,
    },
    {
      type: 'forward-submission',
      from: ['submitted'],
      to: 'forwarded',
      description: 'An intermediary system forwarded the submission.',
    },
    {
      type: 'accept-submission',
      from: ['submitted', 'forwarded'],
      to: 'accepted',
      description: 'The receiving system accepted it after checking the authentication tags.',
      dataSchema: withAuthenticationTags,
      issuedBy: { attribute: 'destinationId' },
    },
    {
      type: 'reject-submission',
      from: ['submitted', 'forwarded'],
      to: 'rejected',
      description: 'The receiving system rejected it, or the delivery service did after 14 days in submitted.',
      dataSchema: optionalTagsAndProblems,
      issuedBy: { attribute: 'destinationId' },
    },
    {
      type: 'delete-submission',
      from: ['incomplete', 'accepted', 'rejected'],
      to: 'deleted',
      description: 'The delivery service deleted the submission content (retention).',
    },
  ],
  timers: [
    {
      name: 'auto-reject',
      states: ['submitted'],
      fire: 'reject-submission',
      after: '14d',
      data: { problems: [SUBMISSION_TIMEOUT_PROBLEM] },
    },
  ],
  parent: { workflows: ['fit-case'], required: true },
  format: 'set',
  eventUriBase: FIT_EVENT_URI_BASE,
};
