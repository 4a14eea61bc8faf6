import type { TransitionDefinition, WorkflowDefinition } from '../workflow-definition.js';

export const OPERATIONAL_WORKFLOW = 'operational';

const ENDPOINT_STATES = ['healthy', 'failing', 'disabled'] as const;

/** A dead letter leaves the endpoint's state as it is: one self-transition per state. */
const deadLettered: TransitionDefinition[] = ENDPOINT_STATES.map((state) => ({
  type: 'delivery.dead-lettered',
  from: [state],
  to: state,
  description: 'A delivery to the endpoint gave up (schedule exhausted, 410 Gone, or it cannot be built).',
}));

/**
 * Tidings telling a tenant about itself, as ordinary events (Svix's
 * "operational webhooks"). Three kinds of subject, each with states of its
 * own, so no event can cross from one kind to another:
 * - `endpoint.<id>`, one per endpoint: its health as reported (healthy,
 *   failing, disabled) and its dead letters;
 * - `signing-key.<purpose>` (`fit`, `default`): `rotated` once its SET
 *   signing key has been rotated; each rotation is one more event. The keys
 *   are the deployment's, but every tenant's integrators verify SETs with
 *   them, so every tenant records each rotation;
 * - `retention`: `pruned` after a retention run deleted some of the
 *   tenant's data; each run that did is one more event.
 * Recorded by Tidings only: the API refuses to create or move these
 * subjects. Pushed only to endpoints that name this workflow in
 * `workflows` (or its types in `eventTypes`), so no endpoint receives them
 * without asking; a dead letter of an operational event records nothing, so
 * a failing operator endpoint cannot feed itself.
 */
export const operational: WorkflowDefinition = {
  name: OPERATIONAL_WORKFLOW,
  title: 'Operational events',
  description:
    "Tidings' own events for a tenant: its endpoints failing, disabled, recovered, dead letters; SET signing keys rotated; retention runs.",
  notes: [
    'endpoint.<id> subjects: endpoint.failing is recorded once an endpoint has failed for TIDINGS_ENDPOINT_FAILING_AFTER (default 1h).',
    'endpoint.disabled is recorded when Tidings disables the endpoint (410 Gone, or failing for TIDINGS_DISABLE_AFTER).',
    'endpoint.recovered is recorded by the first success after endpoint.failing, or when a disabled endpoint is enabled again.',
    'signing-key.<purpose> subjects: signing-key.rotated is recorded in every tenant when a SET signing key is rotated (POST /v1/signing-keys/rotate, tidings keys rotate).',
    'The retention subject: retention.completed is recorded after a retention run that deleted events, deliveries or attempts of the tenant.',
    'Each is written in the transaction of its cause and recorded from there, so a crash between the two loses none.',
  ],
  states: [...ENDPOINT_STATES, 'rotated', 'pruned'],
  terminalStates: [],
  initial: [
    { type: 'endpoint.failing', to: 'failing' },
    { type: 'endpoint.disabled', to: 'disabled' },
    // the state is what was reported: healthy until endpoint.failing is recorded
    { type: 'delivery.dead-lettered', to: 'healthy' },
    { type: 'signing-key.rotated', to: 'rotated' },
    { type: 'retention.completed', to: 'pruned' },
  ],
  transitions: [
    { type: 'endpoint.failing', from: ['healthy'], to: 'failing' },
    { type: 'endpoint.disabled', from: ['healthy', 'failing'], to: 'disabled' },
    { type: 'endpoint.recovered', from: ['failing', 'disabled'], to: 'healthy' },
    ...deadLettered,
    {
      type: 'signing-key.rotated',
      from: ['rotated'],
      to: 'rotated',
      description: 'The SET signing key of this purpose was rotated again.',
    },
    {
      type: 'retention.completed',
      from: ['pruned'],
      to: 'pruned',
      description: "Another retention run deleted some of the tenant's data.",
    },
  ],
  format: 'native',
};
