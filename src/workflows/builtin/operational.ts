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
 * Tidings telling a tenant about its own endpoints, as ordinary events
 * (Svix's "operational webhooks"): one subject per endpoint (`endpoint.<id>`),
 * whose state is the endpoint's health. Recorded by Tidings only: the API
 * refuses to create or move these subjects. Pushed only to endpoints that
 * name this workflow in `workflows` (or its types in `eventTypes`), so no
 * endpoint receives them without asking; a dead letter of an operational
 * event records nothing, so a failing operator endpoint cannot feed itself.
 */
export const operational: WorkflowDefinition = {
  name: OPERATIONAL_WORKFLOW,
  title: 'Operational events',
  description: "Tidings' own events about a tenant's endpoints: failing, disabled, recovered, dead letters.",
  notes: [
    'endpoint.failing is recorded once an endpoint has failed for TIDINGS_ENDPOINT_FAILING_AFTER (default 1h).',
    'endpoint.disabled is recorded when Tidings disables the endpoint (410 Gone, or failing for TIDINGS_DISABLE_AFTER).',
    'endpoint.recovered is recorded by the first success after endpoint.failing, or when a disabled endpoint is enabled again.',
  ],
  states: [...ENDPOINT_STATES],
  terminalStates: [],
  initial: [
    { type: 'endpoint.failing', to: 'failing' },
    { type: 'endpoint.disabled', to: 'disabled' },
    // the state is what was reported: healthy until endpoint.failing is recorded
    { type: 'delivery.dead-lettered', to: 'healthy' },
  ],
  transitions: [
    { type: 'endpoint.failing', from: ['healthy'], to: 'failing' },
    { type: 'endpoint.disabled', from: ['healthy', 'failing'], to: 'disabled' },
    { type: 'endpoint.recovered', from: ['failing', 'disabled'], to: 'healthy' },
    ...deadLettered,
  ],
  format: 'native',
};
