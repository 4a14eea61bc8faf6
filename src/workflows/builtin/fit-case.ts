import type { WorkflowDefinition } from '../workflow-definition.js';

/**
 * A FIT-Connect case (Vorgang), seed 002: the container whose `txn` claim
 * (`case:<id>`) groups submissions and replies. FIT-Connect has no case
 * events, so the minimal machine open → closed and both event names are
 * [INFER] and ours; they are not FIT-Connect event URIs (no eventUriBase).
 */
export const fitCase: WorkflowDefinition = {
  name: 'fit-case',
  title: 'FIT-Connect case',
  description:
    'A FIT-Connect case (Vorgang) grouping submissions and replies; its event log is GET /v1/cases/{id}/events.',
  notes: [
    'Seed 002. FIT-Connect defines no case states or events.',
    '[INFER] Minimal container machine: create-case -> open, close-case open -> closed (terminal). Names are ours.',
    'Closing a case does not touch its submissions and replies; their own machines still apply.',
  ],
  states: ['open', 'closed'],
  terminalStates: ['closed'],
  initial: [{ type: 'create-case', to: 'open', description: 'The case was opened.' }],
  transitions: [{ type: 'close-case', from: ['open'], to: 'closed', description: 'The case was closed.' }],
  format: 'set',
};
