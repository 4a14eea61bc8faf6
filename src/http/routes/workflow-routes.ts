import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../errors/tidings-error.js';
import type { WorkflowDefinition } from '../../workflows/workflow-definition.js';
import type { AppDeps } from '../app-deps.js';
import { errorResponses } from '../schemas.js';
import { WorkflowDetail, WorkflowList } from './workflow-schemas.js';

const summary = (d: WorkflowDefinition) => ({
  name: d.name,
  title: d.title,
  description: d.description,
  states: d.states,
  terminalStates: d.terminalStates,
  format: d.format,
  parent: d.parent?.workflows ?? [],
  eventTypes: [...new Set([...d.initial, ...d.transitions].map((t) => t.type))],
});

/** The workflows this server knows; the full definition is the documentation of each. */
export const workflowRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  app.get(
    '/v1/workflows',
    {
      config: { auth: 'tenant', scope: 'read' },
      schema: {
        tags: ['workflows'],
        summary: 'List workflows with their states and event types',
        response: { 200: WorkflowList, ...errorResponses(401, 403) },
      },
    },
    async () => ({ workflows: deps.registry.list().map((w) => summary(w.definition)) }),
  );

  app.get(
    '/v1/workflows/:name',
    {
      config: { auth: 'tenant', scope: 'read' },
      schema: {
        tags: ['workflows'],
        summary: 'One workflow: states, initial transitions, transitions, timers and schemas',
        params: Type.Object({ name: Type.String({ maxLength: 100 }) }),
        response: { 200: WorkflowDetail, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const wf = deps.registry.get(request.params.name);
      if (!wf) throw notFound(`workflow ${request.params.name}`);
      const d = wf.definition;
      return {
        ...summary(d),
        notes: d.notes ?? [],
        initial: d.initial,
        transitions: d.transitions,
        timers: d.timers ?? [],
        attributesSchema: d.attributesSchema ?? {},
        immutableAttributes: d.immutableAttributes ?? [],
        eventUriBase: d.eventUriBase ?? null,
      };
    },
  );
};
