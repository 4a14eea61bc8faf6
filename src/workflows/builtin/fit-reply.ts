import type { WorkflowDefinition } from '../workflow-definition.js';
import { FIT_EVENT_URI_BASE, optionalTagsAndProblems } from './fit-connect-schemas.js';

/**
 * A FIT-Connect reply (Antwort) from the receiving authority back to the
 * sender, seed 002. Everything about reply events is [MEM]: they mirror the
 * submission machine without forwarding and without an automatic timeout, and
 * their payloads are optional.
 */
export const fitReply: WorkflowDefinition = {
  name: 'fit-reply',
  title: 'FIT-Connect reply',
  description:
    'A reply in a FIT-Connect case, from creation by the authority to acceptance or rejection by the sender.',
  notes: [
    'Seed 002. [MEM] Reply events and states mirror the submission machine; no public source confirms them.',
    '[MEM] submit-reply / accept-reply may carry authenticationTags, reject-reply problems; all optional.',
    '[INFER] No forwarded state and no automatic rejection timer for replies (none documented).',
    '[MEM] delete-reply leads to deleted from incomplete, accepted or rejected (retention clean-up).',
  ],
  states: ['incomplete', 'submitted', 'accepted', 'rejected', 'deleted'],
  terminalStates: ['deleted'],
  initial: [{ type: 'create-reply', to: 'incomplete', description: 'The authority created the reply.' }],
  transitions: [
    {
      type: 'submit-reply',
      from: ['incomplete'],
      to: 'submitted',
      description: 'The authority sent the reply.',
      dataSchema: optionalTagsAndProblems,
    },
    {
      type: 'accept-reply',
      from: ['submitted'],
      to: 'accepted',
      description: 'The original sender accepted the reply.',
      dataSchema: optionalTagsAndProblems,
    },
    {
      type: 'reject-reply',
      from: ['submitted'],
      to: 'rejected',
      description: 'The original sender rejected the reply.',
      dataSchema: optionalTagsAndProblems,
    },
    {
      type: 'delete-reply',
      from: ['incomplete', 'accepted', 'rejected'],
      to: 'deleted',
      description: 'The reply content was deleted (retention).',
    },
  ],
  parent: { workflows: ['fit-case'], required: true },
  format: 'set',
  eventUriBase: FIT_EVENT_URI_BASE,
};
