import type { WorkflowDefinition } from '../workflow-definition.js';
import { idvTransactionAttributes } from './idv-transaction-attributes.js';

/** Every state a transaction can still be cancelled, expire or fail in. */
const OPEN = ['new', 'workflow_in_progress', 'workflow_completed', 'post_processing', 'autosigned'];

/**
 * OneSpan Identity Verification transaction, seed 001. The seed names the ten
 * statuses (union of two vendor lists) but no transitions and no event names,
 * so the whole machine is [INFER]:
 *
 *   new → workflow_in_progress → workflow_completed → post_processing
 *       → (autosigned) → completed → vaulted
 *   any open state → cancelled | expired | error
 *
 * `new → post_processing` is allowed for tenants on the older status list,
 * which has no workflow_* states. `completed` is not open: a completed
 * transaction can only be vaulted, so it neither expires nor is cancelled.
 */
export const idvTransaction: WorkflowDefinition = {
  name: 'idv-transaction',
  title: 'Identity-verification transaction (OneSpan)',
  description:
    'A OneSpan IDV transaction from creation through the verification workflow, post-processing, ' +
    'completion and vaulting; it can be cancelled, expire or fail while open.',
  notes: [
    'Seed 001 (OneSpan transaction model). The ten statuses are the union of two vendor lists; spelling lower_snake.',
    '[INFER] All transitions and all event names are ours: the vendor documents neither.',
    '[INFER] Happy path: new -> workflow_in_progress -> workflow_completed -> post_processing -> completed -> vaulted.',
    '[INFER] autosigned sits between post_processing and completed; post-processing-started also leaves new.',
    '[INFER] cancelled, expired and error are terminal and reachable from every open state (not from completed).',
    'Timer expiry: at attributes.expiry_timestamp, else createdAt + attributes.expiry_period days, fires expire.',
    'A transaction created with neither expiry_timestamp nor expiry_period gets expiry_period = the tenant setting ' +
      'defaultExpiryPeriodDays (default 30 days, our choice; PATCH /v1/tenants/{id}) [SEED: default from tenant config].',
    'brand_id, workflow_id, opaque_id and tenant_id are immutable after creation [SEED].',
  ],
  states: [
    'new',
    'workflow_in_progress',
    'workflow_completed',
    'post_processing',
    'autosigned',
    'completed',
    'vaulted',
    'cancelled',
    'expired',
    'error',
  ],
  terminalStates: ['vaulted', 'cancelled', 'expired', 'error'],
  initial: [{ type: 'transaction-created', to: 'new', description: 'The transaction was created.' }],
  transitions: [
    {
      type: 'workflow-started',
      from: ['new'],
      to: 'workflow_in_progress',
      description: 'A participant started the verification workflow.',
    },
    {
      type: 'workflow-completed',
      from: ['workflow_in_progress'],
      to: 'workflow_completed',
      description: 'Every step of the verification workflow is done.',
    },
    {
      type: 'post-processing-started',
      from: ['new', 'workflow_completed'],
      to: 'post_processing',
      description: 'Documents and evidence are being post-processed (from new on the older status list).',
    },
    {
      type: 'autosigned',
      from: ['post_processing'],
      to: 'autosigned',
      description: 'The documents were signed automatically during post-processing.',
    },
    {
      type: 'transaction-completed',
      from: ['post_processing', 'autosigned'],
      to: 'completed',
      description: 'The transaction is complete.',
    },
    {
      type: 'transaction-vaulted',
      from: ['completed'],
      to: 'vaulted',
      description: 'The completed transaction was moved to the vault.',
    },
    { type: 'transaction-cancelled', from: OPEN, to: 'cancelled', description: 'The transaction was cancelled.' },
    {
      type: 'expire',
      from: OPEN,
      to: 'expired',
      description: 'The transaction reached its expiry (fired by the expiry timer, or recorded explicitly).',
    },
    { type: 'transaction-failed', from: OPEN, to: 'error', description: 'The transaction failed with an error.' },
  ],
  timers: [
    {
      name: 'expiry',
      states: OPEN,
      fire: 'expire',
      atAttribute: 'expiry_timestamp',
      daysAttribute: 'expiry_period',
      data: { reason: 'expiry' },
    },
  ],
  // Seed 001: expiry_period "default from tenant config"; with neither field a transaction would never expire.
  tenantDefaults: [{ attribute: 'expiry_period', setting: 'defaultExpiryPeriodDays', unless: ['expiry_timestamp'] }],
  attributesSchema: idvTransactionAttributes,
  immutableAttributes: ['brand_id', 'workflow_id', 'opaque_id', 'tenant_id'],
  format: 'onespan',
};
