import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { TidingsError } from '../../errors/tidings-error.js';
import { PORTAL_ACCESS } from '../../portal/portal-access.js';
import type { PortalTokens } from '../../portal/portal-tokens.js';
import { callerOf } from '../plugins/auth.js';
import { errorResponses } from '../schemas.js';

const CreateLinkBody = Type.Object(
  {
    access: Type.Optional(
      Type.Union(
        PORTAL_ACCESS.map((a) => Type.Literal(a)),
        { description: 'read (default): view only; endpoints: also manage endpoints and deliveries' },
      ),
    ),
    ttlSeconds: Type.Optional(
      Type.Integer({ minimum: 60, maximum: 86_400, default: 3600, description: 'How long the link works' }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Console portal links: a tenant's `manage` key asks for a short-lived link
 * that opens the console scoped to that tenant (for an integrator, possibly in
 * an iframe of the provider's site); the console swaps the link's token for a
 * session token it keeps in memory only.
 */
export function portalRoutes(tokens: PortalTokens) {
  return async (instance: FastifyInstance) => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/v1/portal-links',
      {
        config: { auth: 'tenant', scope: 'manage' },
        schema: {
          tags: ['console'],
          summary: "A short-lived console link scoped to the caller's tenant",
          body: CreateLinkBody,
          response: {
            201: Type.Object({
              url: Type.String({
                description: 'Open it in a browser; the token is in the fragment, never sent in a request line',
              }),
              token: Type.String({ description: 'The link token, for POST /v1/portal-sessions' }),
              access: Type.String(),
              expiresAt: Type.String({ format: 'date-time' }),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request, reply) => {
        const access = request.body.access ?? 'read';
        const ttlMs = (request.body.ttlSeconds ?? 3600) * 1000;
        const { token, expiresAt } = await tokens.issueLink(callerOf(request).tenantId, access, ttlMs);
        const url = `${request.protocol}://${request.host}/console/portal#token=${token}`;
        return reply.status(201).send({ url, token, access, expiresAt });
      },
    );

    app.post(
      '/v1/portal-sessions',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['console'],
          summary: "Exchange a portal link's token, once, for a session token (Bearer) of the same tenant and expiry",
          description:
            'A link opens the console once: a second exchange of the same token is 409 `portal_link_used`. ' +
            "The session token authenticates as the link's tenant only, read-only or with endpoint management, " +
            "until the link's expiry (at most 24 h, default 1 h); it is never an API key.",
          security: [],
          body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false }),
          response: {
            200: Type.Object({
              sessionToken: Type.String(),
              tenantId: Type.String(),
              access: Type.String(),
              expiresAt: Type.String({ format: 'date-time' }),
            }),
            ...errorResponses(400, 401, 409),
          },
        },
      },
      async (request) => {
        const exchanged = await tokens.exchange(request.body.token);
        if (!exchanged.ok && exchanged.reason === 'used') {
          throw new TidingsError('portal_link_used', 'the portal link was already opened; ask for a new one', {
            target: 'token',
          });
        }
        if (!exchanged.ok) {
          throw new TidingsError('unauthorized', 'the portal link is invalid or has expired', { target: 'token' });
        }
        const { sessionToken, grant } = exchanged;
        return {
          sessionToken,
          tenantId: grant.tenantId,
          access: grant.access,
          expiresAt: new Date(grant.expiresAt * 1000).toISOString(),
        };
      },
    );
  };
}
