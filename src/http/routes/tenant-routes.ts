import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../errors/tidings-error.js';
import type { Tenant } from '../../storage/store.js';
import { generateApiKey, SCOPES } from '../../tenants/api-key.js';
import { TenantSettingsInput, TenantSettingsSchema, tenantSettings } from '../../tenants/tenant-settings.js';
import type { AppDeps } from '../app-deps.js';
import { errorResponses } from '../schemas.js';

const TenantSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String(),
  settings: TenantSettingsSchema,
});

/** A tenant as the API shows it: its effective settings, defaults filled in. */
const shown = (tenant: Tenant) => ({
  id: tenant.id,
  name: tenant.name,
  createdAt: tenant.createdAt,
  settings: tenantSettings(tenant.settings),
});

const TenantParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

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
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }), settings: Type.Optional(TenantSettingsInput) },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ ...TenantSchema.properties, apiKey: Type.String({ description: 'Shown once' }) }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const now = deps.clock();
      const { name, settings = {} } = request.body;
      const tenant = { id: randomUUID(), name, createdAt: now.toISOString(), settings };
      const { apiKey, record } = generateApiKey(tenant.id, 'initial', SCOPES, now);
      await deps.store.createTenant(tenant, record);
      return reply.status(201).send({ ...shown(tenant), apiKey });
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
    async () => ({ tenants: (await deps.store.listTenants()).map(shown) }),
  );

  app.get(
    '/v1/tenants/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['tenants'],
        summary: 'One tenant with its settings, defaults filled in (admin token)',
        security: [{ adminToken: [] }],
        params: TenantParams,
        response: { 200: TenantSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const tenant = await deps.store.getTenant(request.params.id);
      if (!tenant) throw notFound(`tenant ${request.params.id}`);
      return shown(tenant);
    },
  );

  app.patch(
    '/v1/tenants/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['tenants'],
        summary: "Change a tenant's settings; the settings given replace those values, the others stay (admin token)",
        security: [{ adminToken: [] }],
        params: TenantParams,
        body: Type.Object({ settings: TenantSettingsInput }, { additionalProperties: false }),
        response: { 200: TenantSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const tenant = await deps.store.getTenant(request.params.id);
      if (!tenant) throw notFound(`tenant ${request.params.id}`);
      const updated = await deps.store.setTenantSettings(tenant.id, { ...tenant.settings, ...request.body.settings });
      if (!updated) throw notFound(`tenant ${request.params.id}`);
      return shown(updated);
    },
  );
};
