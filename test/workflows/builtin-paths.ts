/**
 * Every documented path of every built-in workflow, from creation to a
 * terminal state, written out by hand from seed-formats.md (and our recorded
 * [INFER]/[MEM] choices). A test checks that together they use every
 * transition of every definition, so a new transition without a path fails.
 */

export interface PathStep {
  type: string;
  /** The status expected after the event. */
  expect: string;
  /** The `to` to request, where the event has several targets. */
  to?: string;
  data?: Record<string, unknown>;
}

export interface PathSpec {
  name: string;
  create: { to?: string; attributes?: Record<string, unknown>; data?: Record<string, unknown> };
  /** The status right after creation. */
  initial: string;
  steps: PathStep[];
}

const s = (type: string, expect: string, more: Omit<PathStep, 'type' | 'expect'> = {}): PathStep => ({
  type,
  expect,
  ...more,
});

const CERTIFICATES = [
  { status: 'VALID', serial_number: '7A3F', valid_from: '20250715 08:36:33', valid_to: '20270715 08:36:33' },
];
const TAGS = { authenticationTags: { metadata: 'bWV0YQ', data: 'ZGF0YQ' } };
const PROBLEMS = { problems: [{ type: 'urn:example:problem', title: 'Bad data', instance: 'data' }] };

const videoidRequest: PathSpec[] = [
  {
    name: 'VideoID happy path, then renewed',
    create: {},
    initial: 'VIDEOPENDING',
    steps: [
      s('VIDEOID_UPDATED', 'VIDEOREVIEW'),
      s('REQUEST_APPROVED', 'ENROLLREADY'),
      s('REQUEST_ENROLLED', 'ISSUED', { data: { certificates: CERTIFICATES } }),
      s('REQUEST_RENEWED', 'RENEWED'),
    ],
  },
  {
    name: 'cancelled while waiting for the video',
    create: {},
    initial: 'VIDEOPENDING',
    steps: [s('REQUEST_CANCELED', 'CANCELLED')],
  },
  {
    name: 'partial uploads, then refused by the RA officer',
    create: {},
    initial: 'VIDEOPENDING',
    steps: [
      s('VIDEOID_UPDATED', 'VIDEOINCOMPLETE', { to: 'VIDEOINCOMPLETE' }),
      s('VIDEOID_UPDATED', 'VIDEOINCOMPLETE', { to: 'VIDEOINCOMPLETE' }),
      s('VIDEOID_UPDATED', 'VIDEOREVIEW'),
      s('VIDEOID_REFUSED', 'CANCELLED'),
    ],
  },
  {
    name: 'failed video retried, validated as non-natural person, cancelled when ready',
    create: {},
    initial: 'VIDEOPENDING',
    steps: [
      s('VIDEOID_FAILED', 'VIDEOERROR'),
      s('VIDEOID_UPDATED', 'VIDEOREVIEW', { to: 'VIDEOREVIEW' }),
      s('VIDEOID_VALIDATED', 'CREATED'),
      s('REQUEST_APPROVED', 'ENROLLREADY'),
      s('REQUEST_CANCELED', 'CANCELLED'),
    ],
  },
  {
    name: 'paperless request issued and renewed',
    create: { to: 'CREATED' },
    initial: 'CREATED',
    steps: [
      s('REQUEST_APPROVED', 'ENROLLREADY'),
      s('REQUEST_ENROLLED', 'ISSUED', { data: { certificates: [] } }),
      s('REQUEST_RENEWED', 'RENEWED'),
    ],
  },
  {
    name: 'paperless request cancelled',
    create: { to: 'CREATED' },
    initial: 'CREATED',
    steps: [s('REQUEST_CANCELED', 'CANCELLED')],
  },
  {
    name: 'partial upload fails, then cancelled',
    create: {},
    initial: 'VIDEOPENDING',
    steps: [
      s('VIDEOID_UPDATED', 'VIDEOINCOMPLETE', { to: 'VIDEOINCOMPLETE' }),
      s('VIDEOID_FAILED', 'VIDEOERROR'),
      s('REQUEST_CANCELED', 'CANCELLED'),
    ],
  },
  {
    name: 'error retried with a partial upload, then cancelled',
    create: {},
    initial: 'VIDEOPENDING',
    steps: [
      s('VIDEOID_FAILED', 'VIDEOERROR'),
      s('VIDEOID_UPDATED', 'VIDEOINCOMPLETE', { to: 'VIDEOINCOMPLETE' }),
      s('REQUEST_CANCELED', 'CANCELLED'),
    ],
  },
  {
    name: 'cancelled during review',
    create: {},
    initial: 'VIDEOPENDING',
    steps: [s('VIDEOID_UPDATED', 'VIDEOREVIEW'), s('REQUEST_CANCELED', 'CANCELLED')],
  },
];

const CERT = { attributes: { serial_number: '7A3F', valid_from: '20250715 08:36:33', valid_to: '20270715 08:36:33' } };
const videoidCertificate: PathSpec[] = [
  { name: 'revoked while valid', create: CERT, initial: 'VALID', steps: [s('CERTIFICATE_REVOKED', 'REVOKED')] },
  {
    name: 'suspended, reactivated, suspended again and revoked',
    create: CERT,
    initial: 'VALID',
    steps: [
      s('CERTIFICATE_SUSPENDED', 'SUSPENDED'),
      s('CERTIFICATE_ACTIVATED', 'VALID'),
      s('CERTIFICATE_SUSPENDED', 'SUSPENDED'),
      s('CERTIFICATE_REVOKED', 'REVOKED'),
    ],
  },
];

/** How to reach each open idv state from `new`, for the cancel / expire / fail paths. */
const IDV_OPEN: Record<string, PathStep[]> = {
  new: [],
  workflow_in_progress: [s('workflow-started', 'workflow_in_progress')],
  workflow_completed: [s('workflow-started', 'workflow_in_progress'), s('workflow-completed', 'workflow_completed')],
  post_processing: [s('post-processing-started', 'post_processing')],
  autosigned: [s('post-processing-started', 'post_processing'), s('autosigned', 'autosigned')],
};
const IDV_ENDS: Array<[string, string]> = [
  ['transaction-cancelled', 'cancelled'],
  ['expire', 'expired'],
  ['transaction-failed', 'error'],
];
const idvTransaction: PathSpec[] = [
  {
    name: 'verification, post-processing, completion, vault',
    create: {},
    initial: 'new',
    steps: [
      s('workflow-started', 'workflow_in_progress'),
      s('workflow-completed', 'workflow_completed'),
      s('post-processing-started', 'post_processing'),
      s('transaction-completed', 'completed'),
      s('transaction-vaulted', 'vaulted'),
    ],
  },
  {
    name: 'autosigned during post-processing',
    create: {},
    initial: 'new',
    steps: [
      ...(IDV_OPEN.workflow_completed ?? []),
      s('post-processing-started', 'post_processing'),
      s('autosigned', 'autosigned'),
      s('transaction-completed', 'completed'),
      s('transaction-vaulted', 'vaulted'),
    ],
  },
  {
    name: 'older status list: new straight to post-processing',
    create: {},
    initial: 'new',
    steps: [
      s('post-processing-started', 'post_processing'),
      s('transaction-completed', 'completed'),
      s('transaction-vaulted', 'vaulted'),
    ],
  },
  ...Object.entries(IDV_OPEN).flatMap(([state, prefix]) =>
    IDV_ENDS.map(([type, end]) => ({
      name: `${type} in ${state}`,
      create: {},
      initial: 'new',
      steps: [...prefix, s(type, end)],
    })),
  ),
];

const fitCase: PathSpec[] = [
  { name: 'opened and closed', create: {}, initial: 'open', steps: [s('close-case', 'closed')] },
];

const fitSubmission: PathSpec[] = [
  {
    name: 'submitted, notified, accepted, deleted',
    create: {},
    initial: 'incomplete',
    steps: [
      s('submit-submission', 'submitted', { data: TAGS }),
      s('notify-submission', 'submitted', { data: TAGS }),
      s('accept-submission', 'accepted', { data: TAGS }),
      s('delete-submission', 'deleted'),
    ],
  },
  {
    name: 'forwarded by an intermediary, then accepted',
    create: {},
    initial: 'incomplete',
    steps: [
      s('submit-submission', 'submitted', { data: TAGS }),
      s('forward-submission', 'forwarded'),
      s('accept-submission', 'accepted', { data: TAGS }),
      s('delete-submission', 'deleted'),
    ],
  },
  {
    name: 'rejected by the receiver',
    create: {},
    initial: 'incomplete',
    steps: [
      s('submit-submission', 'submitted', { data: TAGS }),
      s('reject-submission', 'rejected', { data: PROBLEMS }),
      s('delete-submission', 'deleted'),
    ],
  },
  {
    name: 'forwarded, then rejected',
    create: {},
    initial: 'incomplete',
    steps: [
      s('submit-submission', 'submitted', { data: TAGS }),
      s('forward-submission', 'forwarded'),
      s('reject-submission', 'rejected', { data: { ...TAGS, ...PROBLEMS } }),
      s('delete-submission', 'deleted'),
    ],
  },
  { name: 'abandoned while incomplete', create: {}, initial: 'incomplete', steps: [s('delete-submission', 'deleted')] },
];

const fitReply: PathSpec[] = [
  {
    name: 'reply sent, accepted, deleted',
    create: {},
    initial: 'incomplete',
    steps: [
      s('submit-reply', 'submitted', { data: TAGS }),
      s('accept-reply', 'accepted'),
      s('delete-reply', 'deleted'),
    ],
  },
  {
    name: 'reply rejected by the sender',
    create: {},
    initial: 'incomplete',
    steps: [
      s('submit-reply', 'submitted'),
      s('reject-reply', 'rejected', { data: PROBLEMS }),
      s('delete-reply', 'deleted'),
    ],
  },
  {
    name: 'reply abandoned while incomplete',
    create: {},
    initial: 'incomplete',
    steps: [s('delete-reply', 'deleted')],
  },
];

const RELEASED = {
  certificate: {
    contentId: '0b9f5c53-3c1a-4b5e-9d6a-2f1e0f7c1a11',
    contentType: 'cer',
    md5: '0123456789ABCDEF0123456789ABCDEF',
  },
  receipt: {
    contentId: '6f1c2a0e-8a8b-4a54-9c1f-5d2b7c3e4f22',
    contentType: 'pdf',
    md5: 'FEDCBA9876543210FEDCBA9876543210',
  },
};
const SMEV_ERROR = {
  error: [
    { code: 'Validation', message: 'SNILS mismatch', target: 'cryptoAPI', errors: { code: 'SmevValidationError' } },
  ],
};
const cryptoCertificateForm: PathSpec[] = [
  {
    name: 'released straight away',
    create: {},
    initial: 'created',
    steps: [s('form-released', 'Released', { data: RELEASED })],
  },
  {
    name: 'validation error twice, corrected, released',
    create: {},
    initial: 'created',
    steps: [
      s('form-validation-failed', 'validationError', { data: SMEV_ERROR }),
      s('form-validation-failed', 'validationError', { data: SMEV_ERROR }),
      s('form-corrected', 'created'),
      s('form-released', 'Released', { data: RELEASED }),
    ],
  },
  {
    name: 'released after a validation error without going back',
    create: {},
    initial: 'created',
    steps: [s('form-validation-failed', 'validationError'), s('form-released', 'Released')],
  },
];

const cryptoSignature: PathSpec[] = [
  {
    name: 'processed on creation',
    create: { data: { signedFiles: { contentInfo: RELEASED.receipt, signatures: [RELEASED.certificate] } } },
    initial: 'Processed',
    steps: [],
  },
];

const imageCheck: PathSpec[] = [
  {
    name: 'Gallery image auto-accepted',
    create: { attributes: { ImageType: 'Gallery' } },
    initial: 'Accepted',
    steps: [],
  },
  {
    name: 'Custom image accepted',
    create: { attributes: { ImageType: 'Custom', Orientation: 'Vertical' } },
    initial: 'Pending',
    steps: [
      s('image-accepted', 'Accepted', { data: { RejectionCode: '00', ImageCheckingTimeStamp: '20250301101500' } }),
    ],
  },
  {
    name: 'Custom image rejected with a code',
    create: { attributes: { ImageType: 'Custom', DataCapture: { name: 'Ada' } } },
    initial: 'Pending',
    steps: [
      s('image-rejected', 'Rejected', { data: { RejectionCode: 'R12', ImageCheckingTimeStamp: '20250301101500' } }),
    ],
  },
];

export const PATHS: Record<string, PathSpec[]> = {
  'videoid-request': videoidRequest,
  'videoid-certificate': videoidCertificate,
  'idv-transaction': idvTransaction,
  'fit-case': fitCase,
  'fit-submission': fitSubmission,
  'fit-reply': fitReply,
  'crypto-certificate-form': cryptoCertificateForm,
  'crypto-signature': cryptoSignature,
  'image-check': imageCheck,
};
