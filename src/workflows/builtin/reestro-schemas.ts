import type { JsonSchema } from '../workflow-definition.js';

/** Reestro `ContentInfo` (seed 003): a stored file, its type and its upper-case MD5. */
export const contentInfoSchema: JsonSchema = {
  type: 'object',
  required: ['contentId', 'contentType'],
  properties: {
    contentId: { type: 'string', format: 'uuid' },
    contentType: { type: 'string', minLength: 1, description: 'cer, pdf, sig, ...' },
    contentName: { type: 'string' },
    md5: { type: 'string', pattern: '^[0-9A-F]{32}$' },
  },
};

/**
 * One item of a form event's `error` list. Kept loose: the seed shows
 * `errors` as a single object here (an array in HTTP 400 bodies), and only
 * three examples of the event exist publicly.
 */
export const formErrorSchema: JsonSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    target: { type: 'string' },
    errors: { type: ['object', 'array'] },
  },
};
