import type { WorkflowDefinition } from '../workflow-definition.js';
import { cryptoCertificateForm } from './crypto-certificate-form.js';
import { cryptoSignature } from './crypto-signature.js';
import { fitCase } from './fit-case.js';
import { fitReply } from './fit-reply.js';
import { fitSubmission } from './fit-submission.js';
import { idvTransaction } from './idv-transaction.js';
import { imageCheck } from './image-check.js';
import { videoidCertificate } from './videoid-certificate.js';
import { videoidRequest } from './videoid-request.js';

export {
  cryptoCertificateForm,
  cryptoSignature,
  fitCase,
  fitReply,
  fitSubmission,
  idvTransaction,
  imageCheck,
  videoidCertificate,
  videoidRequest,
};

/** The nine workflows every server knows, one or more per seed system; their names are part of the API. */
export const BUILTIN_WORKFLOWS: WorkflowDefinition[] = [
  videoidRequest,
  videoidCertificate,
  idvTransaction,
  fitCase,
  fitSubmission,
  fitReply,
  cryptoCertificateForm,
  cryptoSignature,
  imageCheck,
];
