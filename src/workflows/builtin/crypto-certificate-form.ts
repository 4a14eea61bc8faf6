import type { WorkflowDefinition } from '../workflow-definition.js';
import { contentInfoSchema, formErrorSchema } from './reestro-schemas.js';

/**
 * A Reestro (SKB Kontur) certificate-issuance form, seed 003. States keep the
 * vendor's mixed case: the method docs say `created` / `validationError`, the
 * feed's issued state is `Released`. The seed names states only, so every
 * event name is ours.
 *
 * After a SMEV validation error the applicant attaches documents and asks to
 * continue: `form-corrected` takes the form back to `created`; the vendor is
 * unclear whether the check reruns directly, so `form-released` and
 * `form-validation-failed` are also accepted from `validationError` ([INFER]).
 */
export const cryptoCertificateForm: WorkflowDefinition = {
  name: 'crypto-certificate-form',
  title: 'Certificate-issuance form (Reestro)',
  description:
    'A Reestro certificate form: created, checked against government registers (SMEV), then released ' +
    '(certificate issued) or held in validationError until the applicant fixes it.',
  notes: [
    'Seed 003 (Reestro crypto event feed). State names keep the vendor spelling: created, validationError, Released.',
    'Event names are ours: the feed carries formState only (Released / ValidationError).',
    '[INFER] validationError -> created via form-corrected (documents attached, release requested again).',
    '[INFER] validationError -> Released and validationError -> validationError (the check reruns) are allowed too.',
    'Released is terminal here; the certificate life after issuance (Valid/Revoke/Expired) is not a feed event.',
  ],
  states: ['created', 'validationError', 'Released'],
  terminalStates: ['Released'],
  initial: [{ type: 'form-created', to: 'created', description: 'The certificate form was created.' }],
  transitions: [
    {
      type: 'form-validation-failed',
      from: ['created', 'validationError'],
      to: 'validationError',
      description: 'The SMEV checks failed; data.error lists the problems (Reestro Error items).',
      dataSchema: { type: 'object', properties: { error: { type: 'array', items: formErrorSchema } } },
    },
    {
      type: 'form-corrected',
      from: ['validationError'],
      to: 'created',
      description: 'The applicant attached documents and asked to continue; the form awaits release again.',
    },
    {
      type: 'form-released',
      from: ['created', 'validationError'],
      to: 'Released',
      description: 'The certificate was issued; data carries the certificate and receipt ContentInfo.',
      dataSchema: {
        type: 'object',
        properties: { certificate: contentInfoSchema, receipt: contentInfoSchema },
      },
    },
  ],
  format: 'reestro',
};
