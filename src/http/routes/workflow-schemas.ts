import { Type } from '@sinclair/typebox';
import { JsonObject } from '../schemas.js';

/**
 * The answers of `GET /v1/workflows[/{name}]`: a workflow definition as the
 * API shows it (`workflows/workflow-definition.ts`). Nested JSON Schemas
 * (`dataSchema`, `when`, `attributesSchema`) are any object.
 */

const Transition = Type.Object(
  {
    type: Type.String({ description: 'event type recorded for this transition' }),
    from: Type.Array(Type.String()),
    to: Type.String(),
    description: Type.Optional(Type.String()),
    dataSchema: Type.Optional(JsonObject),
    when: Type.Optional(Type.Object({ attributes: Type.Optional(JsonObject), data: Type.Optional(JsonObject) })),
    spawn: Type.Optional(Type.Object({ workflow: Type.String(), field: Type.String(), type: Type.String() })),
    issuedBy: Type.Optional(Type.Object({ attribute: Type.String() })),
  },
  { additionalProperties: false },
);

/** An initial (creating) transition: no `from`. */
const InitialTransition = Type.Omit(Transition, ['from']);

const Timer = Type.Object({
  name: Type.String(),
  states: Type.Array(Type.String()),
  fire: Type.String({ description: 'event type the timer records' }),
  to: Type.Optional(Type.String()),
  data: Type.Optional(JsonObject),
  atAttribute: Type.Optional(Type.String()),
  daysAttribute: Type.Optional(Type.String()),
  after: Type.Optional(Type.String({ description: 'a duration: 14d, 36h, 90s' })),
});

const summaryFields = {
  name: Type.String(),
  title: Type.String(),
  description: Type.String(),
  states: Type.Array(Type.String()),
  terminalStates: Type.Array(Type.String()),
  format: Type.String({ description: 'default wire format of its events' }),
  parent: Type.Array(Type.String(), { description: 'workflows a subject of this one may be a child of' }),
  eventTypes: Type.Array(Type.String()),
};

export const WorkflowSummary = Type.Object(summaryFields);

export const WorkflowList = Type.Object({ workflows: Type.Array(WorkflowSummary) });

export const WorkflowDetail = Type.Object({
  ...summaryFields,
  notes: Type.Array(Type.String()),
  initial: Type.Array(InitialTransition),
  transitions: Type.Array(Transition),
  timers: Type.Array(Timer),
  attributesSchema: JsonObject,
  immutableAttributes: Type.Array(Type.String()),
  eventUriBase: Type.Union([Type.String(), Type.Null()]),
});
