#!/usr/bin/env node
// Writes docs/formats/*.md, one page per wire format, from the SDK's format
// schemas (field names, types, optional or not) and the renderers' golden files
// under test/fixtures/formats/ (the examples), so a page cannot drift from what
// the server sends: test/docs/format-pages.test.ts renders them again and
// compares. After a format change: `npm run build && node scripts/format-docs.mjs --write`.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as formats from '@tidings/sdk/formats';

const PAGES = {
  native: {
    title: 'Native format (CloudEvents 1.0)',
    intro:
      "Tidings' own format, the same for every workflow: a CloudEvents 1.0 event in structured JSON mode. " +
      'Pushed as `application/cloudevents+json` with `format: native` (the default), and served by ' +
      '`GET /v1/events?format=native`.',
    sections: [['CloudEvent', formats.cloudEventSchema]],
    notes: {
      specversion: 'always `1.0`',
      id: "the event id, a UUIDv7 (time-ordered); the push's `webhook-id` is `msg_<id>`",
      source: '`<issuer>/workflows/<workflow>`',
      type: '`tidings.<workflow>.<event type>`, e.g. `tidings.videoid-request.REQUEST_CREATED`',
      subject: 'the subject id (your request, transaction, submission ... id)',
      time: 'when the transition happened, ISO 8601 UTC',
      datacontenttype: 'always `application/json`',
      sequence: 'the per-tenant sequence number, zero-padded to 19 digits so it sorts as text',
      eventtype: 'the bare event type, e.g. `REQUEST_CREATED`',
      workflow: 'the workflow name, e.g. `videoid-request`',
      status: "the subject's status after the event",
      fromstatus: 'the status before; absent on the creating event',
      subjectversion: "the subject's version after the event (1 for the creating event); use it to drop stale pushes",
      parentid: "the parent subject's id, when there is one",
      data: 'the transition and its payload',
      'data.from': 'the status before, `null` on the creating event',
      'data.to': 'the status after',
      'data.data': "the event's own data, as posted with the transition",
      'data.attributes': "the subject's attributes after the event",
    },
  },
  uanataca: {
    title: 'Uanataca VideoID format (seed 000)',
    intro:
      'The webhook envelope of Uanataca (Namirial) VideoID, the default format of `videoid-request` and ' +
      '`videoid-certificate`. Pushed as `application/json`.',
    sections: [['Envelope', formats.uanatacaEnvelopeSchema]],
    notes: {
      event_type: "the seed's event name, e.g. `REQUEST_CREATED`, `VIDEOID_UPDATED`, `CERTIFICATE_REVOKED`",
      sent_at: 'when the event happened (not the send time, so a retry is byte-identical), `yyyyMMddHHmmss` UTC',
      request: 'the request: its attributes, and its status (for a certificate event: the parent request)',
      'request.status': "the request's status, e.g. `VIDEOPENDING`, `ISSUED`",
      certificates: 'every certificate of the request, in issue order; `[]` before enrolment',
      'certificates[].status': '`VALID`, `SUSPENDED` or `REVOKED`',
      'certificates[].serial_number': "the certificate's serial number",
      'certificates[].valid_from': 'start of validity, `yyyy-MM-dd HH:mm:ss` UTC',
      'certificates[].valid_to': 'end of validity, `yyyy-MM-dd HH:mm:ss` UTC',
    },
  },
  onespan: {
    title: 'OneSpan IDV format (seed 001)',
    intro:
      'The transaction notification of OneSpan Identity Verification, the default format of `idv-transaction`. ' +
      'Pushed as `application/json`.',
    sections: [['Notification', formats.onespanNotificationSchema]],
    notes: {
      '@timestamp': 'when the transition happened, `yyyy-MM-dd HH:mm:ss.SSS +0000`',
      type: 'always `notification`',
      transaction_id: 'the transaction (subject) id',
      opaque_id: 'your reference, when the transaction has one',
      session_id: 'the session that caused the change, when the caller gave it',
      trigger: '`transaction_created` for `new`, else `transaction_<status>`',
      status: 'the status after the event',
      previous_status: 'the status before; absent on creation',
      role: 'the signer role, when the caller gave it',
      message: 'a message, when the caller gave it',
      tenant_id: 'the tenant of the credentials that created the transaction (never taken from the request body)',
      created: 'when the transaction was created, as of this event (RFC 3339)',
      status_changed: 'when the status last changed, as of this event (RFC 3339)',
      version: "the transaction's version after the event, 0 for a new transaction (seed 001: read-only, default 0)",
    },
  },
  set: {
    title: 'FIT-Connect Security Event Token (seed 002)',
    intro:
      'A Security Event Token (RFC 8417) signed as a compact JWS, the default format of `fit-case`, `fit-submission` ' +
      'and `fit-reply` (signed PS512) and what every SET log serves (other workflows: EdDSA). Pushed as ' +
      '`application/secevent+jwt`. Verify it with `verifySet` from `@tidings/sdk`; the fields below are its claims.',
    sections: [
      ['Protected header', formats.setHeaderSchema],
      ['Claims', formats.setClaimsSchema],
    ],
    notes: {
      typ: 'always `secevent+jwt`',
      alg: '`PS512` (FIT-Connect), `EdDSA` or `ES256`',
      kid: 'the signing key in `/.well-known/jwks.json`',
      $schema: 'the FIT-Connect set-payload schema; absent when the event payload is empty',
      jti: 'the event id (a UUIDv7): every rendering of one event is the same SET',
      iss: 'the issuer: `TIDINGS_ISSUER`, or a destination id for events the receiving side records',
      iat: 'when the transition happened, seconds since 1970',
      sub: '`submission:<id>`, `reply:<id>` or `case:<id>` (`<workflow>:<id>` for other workflows)',
      txn: '`case:<case id>` (for other workflows `<parent workflow>:<parent id>`), when there is one',
      events: 'one key, the event URI (`https://schema.fitko.de/fit-connect/events/<type>`), holding the payload',
    },
  },
  reestro: {
    title: 'Reestro crypto event format (seed 003)',
    intro:
      "A `CryptoEvent` of Reestro's `/realty/crypto/v2/events` feed, the default format of `crypto-certificate-form` " +
      'and `crypto-signature`. Pushed as `application/json`; each event carries exactly one of `certificateFormEvent` ' +
      'or `signEvent`.',
    sections: [
      ['CryptoEvent', formats.cryptoEventHeadSchema],
      ['certificateFormEvent (a form event)', formats.certificateFormEventSchema],
      ['signEvent (a signature event)', formats.signEventSchema],
      ['ContentInfo (a file)', formats.contentInfoSchema],
    ],
    // Files are one ContentInfo, documented once in its own section.
    leaves: ['certificate', 'receipt', 'signedFiles.contentInfo', 'signedFiles.signatures'],
    notes: {
      eventId: 'the event id',
      eventDate: 'when the transition happened, ISO 8601 with microseconds',
      certificateId: "the certificate form's id (for a signature: its form's)",
      formState: 'the form status with a capital first letter: `Created`, `ValidationError`, `Released`',
      certificate: 'the issued certificate file (Released), a ContentInfo',
      receipt: 'the receipt file (Released), a ContentInfo',
      error: 'the validation errors (ValidationError); each carries one inner object in `errors`, as the seed does',
      'error[].code': '`Validation` unless the caller gave another',
      'error[].message': 'what failed',
      'error[].target': 'where (`cryptoAPI` by default)',
      'error[].errors': 'the inner error object',
      signatureId: 'the signature (subject) id',
      signState: '`Processed`',
      signedFiles: 'the signed files',
      'signedFiles.contentInfo': 'the signed document, when given, a ContentInfo',
      'signedFiles.signatures': 'the detached signatures, ContentInfos',
      contentId: 'the file id',
      contentType: 'the file type, e.g. `cer`, `pdf`, `sig`',
      contentName: 'the file name, when given',
      md5: "the file's MD5, upper-case hex as the seed prints it",
    },
  },
  thales: {
    title: 'Thales image-check format (seed 004)',
    intro:
      'The image-checking push of Thales Perso Design Services, the default format of `image-check`. Pushed as ' +
      '`application/json`; Thales receivers usually check a shared-secret header (`auth: {"type": "header", ...}`), ' +
      "which `verifyWebhook` checks with a `{type: 'header'}` key.",
    sections: [['Notification', formats.thalesNotificationSchema]],
    notes: {
      ImageId: 'the image (subject) id: create the subject with the PDS CardImageID as its id',
      Orientation: '`Horizontal`, `Vertical`, or `""` when unknown',
      ImageType: '`Gallery` or `Custom`',
      ImageState: '`Pending`, `Accepted` or `Rejected`',
      RejectionCode: '`00` when Accepted, `""` when Pending, the checker\'s code when Rejected',
      SubmissionTimeStamp: 'when the image was submitted, `yyyyMMddHHmmss` UTC',
      ImageCheckingTimeStamp: 'when a Custom image was decided, `yyyyMMddHHmmss` UTC; `""` otherwise',
      DataCapture: "the product's key/values, `{}` when none",
    },
  },
};

/** Rows `[path, type, required]` of an object schema, nested objects and arrays of objects walked. */
function rows(schema, prefix = '', leaves = []) {
  const out = [];
  for (const [name, field] of Object.entries(schema.fields)) {
    const path = prefix + name;
    out.push([path, field.describe, !field.optional]);
    if (leaves.includes(path)) continue;
    if (field.fields) out.push(...rows(field, `${path}.`, leaves));
    if (field.item?.fields) out.push(...rows(field.item, `${path}[].`, leaves));
  }
  return out;
}

function fixtures(format) {
  const dir = join(process.cwd(), 'test/fixtures/formats');
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${format}-`) && f.endsWith('.json'))
    .sort()
    .map((f) => [f, readFileSync(join(dir, f), 'utf8').trim()]);
}

/** The page of one format; throws when a field has no note (a new field must be documented). */
export function renderFormatPage(format) {
  const page = PAGES[format];
  const lines = [
    `# ${page.title}`,
    '',
    '<!-- Generated by scripts/format-docs.mjs from the SDK schemas and test/fixtures/formats; do not edit. -->',
    '',
    page.intro,
    '',
    `Parse and check one with \`parseEvent('${format}', body)\` from \`@tidings/sdk\`, which returns it typed as below.`,
    '',
  ];
  for (const [heading, schema] of page.sections) {
    lines.push(`## ${heading}`, '', '| field | type | required | meaning |', '| --- | --- | --- | --- |');
    for (const [path, type, required] of rows(schema, '', page.leaves ?? [])) {
      const note = page.notes[path];
      if (note === undefined)
        throw new Error(`docs: the ${format} field ${path} has no note in scripts/format-docs.mjs`);
      lines.push(`| \`${path}\` | ${type} | ${required ? 'yes' : 'no'} | ${note} |`);
    }
    lines.push('');
  }
  lines.push('## Examples', '');
  for (const [name, text] of fixtures(format)) {
    lines.push(`\`test/fixtures/formats/${name}\` (a golden rendering the server's tests compare against):`, '');
    lines.push('```json', text, '```', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export const FORMAT_PAGES = Object.keys(PAGES);

if (process.argv.includes('--write')) {
  for (const format of FORMAT_PAGES) writeFileSync(join('docs/formats', `${format}.md`), renderFormatPage(format));
  process.stdout.write(`wrote ${FORMAT_PAGES.length} pages to docs/formats/\n`);
}
