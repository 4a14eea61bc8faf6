import type { WorkflowDefinition } from '../workflow-definition.js';
import { contentInfoSchema } from './reestro-schemas.js';

/**
 * A Reestro signing operation under a certificate form, seed 003. Only the
 * `Processed` sign state is documented (no failure state found), so the
 * subject is born in its only, terminal state by `signature-processed`.
 */
export const cryptoSignature: WorkflowDefinition = {
  name: 'crypto-signature',
  title: 'Signature (Reestro)',
  description: 'A file signed with the certificate of a crypto-certificate-form; recorded once it is processed.',
  notes: [
    'Seed 003. signState Processed is the only documented value; no failure state was found.',
    'signature-processed is our event name; it creates the subject directly in Processed (terminal).',
    'data.signedFiles is an object despite its plural name [SEED].',
  ],
  states: ['Processed'],
  terminalStates: ['Processed'],
  initial: [
    {
      type: 'signature-processed',
      to: 'Processed',
      description: 'The signature was processed; data.signedFiles holds the file and its signatures.',
      dataSchema: {
        type: 'object',
        properties: {
          signedFiles: {
            type: 'object',
            properties: {
              contentInfo: contentInfoSchema,
              signatures: { type: 'array', items: contentInfoSchema },
            },
          },
        },
      },
    },
  ],
  transitions: [],
  parent: { workflows: ['crypto-certificate-form'], required: true },
  format: 'reestro',
};
