import type { JsonSchema } from '../workflow-definition.js';

/**
 * Event payload schemas shared by the FIT-Connect workflows (seed 002).
 * `authenticationTags` is vendor-documented (set-creation page), so it is
 * checked exactly; `problems` is only [MEM] (RFC 7807-like entries, exact URI
 * list NOT FOUND), so it is checked loosely: an array of objects whose known
 * members are strings.
 */

/** Event types may be written as this prefix + short name, e.g. `.../events/submit-submission`. */
export const FIT_EVENT_URI_BASE = 'https://schema.fitko.de/fit-connect/events/';

/** The 5th segment of a JWE compact serialisation: base64url, no padding. */
const tag: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]+$' };

/** `{metadata, data?, attachments?: {<uuid>: tag}}`; metadata is the only part every submission has. */
export const authenticationTagsSchema: JsonSchema = {
  type: 'object',
  required: ['metadata'],
  properties: {
    metadata: tag,
    data: tag,
    attachments: { type: 'object', propertyNames: { format: 'uuid' }, additionalProperties: tag },
  },
  additionalProperties: false,
};

export const problemsSchema: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      detail: { type: 'string' },
      instance: { type: 'string' },
    },
  },
};

/** Payload that must carry `authenticationTags` (vendor-confirmed for submit/notify/accept-submission). */
export const withAuthenticationTags: JsonSchema = {
  type: 'object',
  required: ['authenticationTags'],
  properties: { authenticationTags: authenticationTagsSchema, problems: problemsSchema },
};

/** Payload where both parts are optional ([MEM] events: reject-*, the reply events). */
export const optionalTagsAndProblems: JsonSchema = {
  type: 'object',
  properties: { authenticationTags: authenticationTagsSchema, problems: problemsSchema },
};

/**
 * The problem the delivery service records when it rejects a submission left
 * 14 days in `submitted`. FIT-Connect's own problem URI for this case was NOT
 * FOUND, so the type is a URN of ours rather than a guessed vendor URI.
 */
export const SUBMISSION_TIMEOUT_PROBLEM = {
  type: 'urn:tidings:problem:submission-timeout',
  title: 'Submission not picked up in time',
  detail:
    'The submission stayed in status submitted for 14 days without being accepted or rejected; ' +
    'the delivery service rejected it automatically.',
  instance: 'submission',
} as const;
