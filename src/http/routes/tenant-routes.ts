import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { generateApiKey, SCOPES } from '../../tenants/api-key.js';
import type { AppDeps } from '../app-deps.js';
import { errorResponses } from '../schemas.js';

const TenantSchema = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String() });

/** Operator routes (admin token): tenants and their first API key. */
export const tenantRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  app.post(
    '/v1/tenants',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['tenants'],
        summary: 'Create a tenant and its first API key (admin token)',
        security: [{ adminToken: [] }],
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: {
          201: Type.Object({ ...TenantSchema.properties, apiKey: Type.String({ description: 'Shown once' }) }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const now = deps.clock();
      const tenant = { id: randomUUID(), name: request.body.name, createdAt: now.toISOString() };
      const { apiKey, record } = generateApiKey(tenant.id, 'initial', SCOPES, now);
      await deps.store.createTenant(tenant, record);
      return reply.status(201).send({ ...tenant, apiKey });
    },
  );

  app.get(
    '/v1/tenants',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['tenants'],
        summary: 'List tenants (admin token)',
        security: [{ adminToken: [] }],
        response: { 200: Type.Object({ tenants: Type.Array(TenantSchema) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ tenants: await deps.store.listTenants() }),
  );
};
