import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../errors/tidings-error.js';
import type { ApiKeyRecord } from '../../storage/store.js';
import { generateApiKey, SCOPES, type Scope } from '../../tenants/api-key.js';
import type { AppDeps } from '../app-deps.js';
import { callerOf } from '../plugins/auth.js';
import { errorResponses } from '../schemas.js';

const ApiKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

const view = (k: ApiKeyRecord) => ({
  id: k.id,
  name: k.name,
  scopes: k.scopes,
  createdAt: k.createdAt,
  revokedAt: k.revokedAt,
});

/** A tenant's own API keys: create (secret shown once), list, revoke. */
export const apiKeyRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  app.post(
    '/v1/api-keys',
    {
      config: { auth: 'tenant', scope: 'manage' },
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            scopes: Type.Optional(
              Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1, uniqueItems: true }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ ...ApiKeySchema.properties, apiKey: Type.String() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = callerOf(request);
      const scopes: readonly Scope[] = request.body.scopes ?? SCOPES;
      const { apiKey, record } = generateApiKey(tenantId, request.body.name, scopes, deps.clock());
      await deps.store.createApiKey(record);
      return reply.status(201).send({ ...view(record), apiKey });
    },
  );

  app.get(
    '/v1/api-keys',
    {
      config: { auth: 'tenant', scope: 'manage' },
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys (never their secrets)',
        response: { 200: Type.Object({ apiKeys: Type.Array(ApiKeySchema) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ apiKeys: (await deps.store.listApiKeys(callerOf(request).tenantId)).map(view) }),
  );

  app.delete(
    '/v1/api-keys/:id',
    {
      config: { auth: 'tenant', scope: 'manage' },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key',
        params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{32}$' }) }),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const revoked = await deps.store.revokeApiKey(
        callerOf(request).tenantId,
        request.params.id,
        deps.clock().toISOString(),
      );
      if (!revoked) throw notFound(`API key ${request.params.id}`);
      deps.apiKeys.forget(request.params.id);
      return reply.status(204).send(null);
    },
  );
};
