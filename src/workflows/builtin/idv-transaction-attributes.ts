import type { JsonSchema } from '../workflow-definition.js';

/**
 * The OneSpan IDV transaction model (seed 001) as subject attributes. The
 * transaction's own `id`, `status`, `version`, `created` and `status_changed`
 * are the subject's fields, so they are refused here rather than duplicated.
 * Top-level keys are closed to catch typos; the sub-models (users, documents,
 * tokens) stay open because the seed digest lists only their main fields.
 */

const UUID: JsonSchema = { type: 'string', format: 'uuid', minLength: 36, maxLength: 64 };

/** OneSpan's UTC millisecond timestamp, e.g. `2012-04-23T18:25:43.511Z`. */
const MS_TIMESTAMP: JsonSchema = {
  type: 'string',
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$',
};

const text = (min: number, max: number): JsonSchema => ({ type: 'string', minLength: min, maxLength: max });

const address: JsonSchema = {
  type: 'object',
  properties: {
    // ISO 3166-1 alpha-2: the vendor insists on GB, not UK.
    country_code: { type: 'string', pattern: '^[A-Z]{2}$', not: { const: 'UK' } },
    county_or_province: { type: 'string' },
    city: { type: 'string' },
    town: { type: 'string' },
    street: { type: 'string' },
    house_name: { type: 'string' },
    house_number: { type: 'string' },
    flat_or_appartment_number: { type: 'string' },
    po_box: { type: 'string' },
    post_code: { type: 'string' },
  },
};

const user: JsonSchema = {
  type: 'object',
  properties: {
    role: text(1, 32),
    title: { type: 'string' },
    first_name: { type: 'string' },
    middle_name: { type: 'string' },
    last_name: { type: 'string' },
    birth_surname: text(0, 1024),
    company: text(1, 128),
    dob: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T00:00:00\\.000Z$' },
    gender: { type: 'string' },
    emails: { type: 'array' },
    phone_number: { type: 'string' },
    address,
    bank: { type: 'object' },
    groups: { type: 'array' },
  },
};

const document: JsonSchema = {
  type: 'object',
  required: ['id'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9_-]*$' },
    version: { type: 'integer', minimum: 1 },
    title: text(1, 256),
    description: text(1, 1024),
    content: { type: 'string', description: 'URL of the binary content' },
    document_template_id: UUID,
    groups: { type: 'array', maxItems: 8 },
  },
};

const token: JsonSchema = {
  type: 'object',
  required: ['role'],
  properties: {
    token: { type: 'string' },
    role: text(1, 32),
    version: { type: 'integer', minimum: 0 },
    accessUrl: { type: 'string', format: 'uri' },
  },
};

export const idvTransactionAttributes: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    brand_id: UUID,
    workflow_id: UUID,
    opaque_id: { type: 'string', minLength: 1 },
    // The seed prints `^[-w]+$`; the backslash was evidently lost.
    tenant_id: { type: 'string', pattern: '^[-\\w]+$' },
    language: { type: 'string', minLength: 1, description: 'e.g. "english"' },
    expiry_period: {
      type: 'integer',
      minimum: 0,
      maximum: 36_500,
      description: 'days after creation (at most 100 years)',
    },
    expiry_timestamp: MS_TIMESTAMP,
    configuration: {
      type: 'object',
      properties: {
        consent: { type: 'object', description: 'implicit or explicit (checkbox on the Welcome page) consent' },
        redirects: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'url'],
            properties: { id: { type: 'string', minLength: 1 }, url: { type: 'string', minLength: 1 } },
          },
        },
      },
    },
    disable_notifications: { type: 'boolean' },
    disable_recording: { type: 'boolean' },
    users: { type: 'array', items: user },
    documents: { type: 'array', items: document },
    tokens: { type: 'array', items: token },
    urlSetKey: { type: 'string' },
    request_ids: { type: 'array', items: { type: 'string' } },
    session: { type: 'object' },
    erasure_mark: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}Z$' },
    erasure_mark_request: MS_TIMESTAMP,
    last_api_request: MS_TIMESTAMP,
    last_session_event: MS_TIMESTAMP,
    completed: MS_TIMESTAMP,
  },
};
