import type { FastifyInstance } from 'fastify';
import type { KeyRing } from '../../keys/key-ring.js';

/** `GET /.well-known/jwks.json`: public, unauthenticated, every signing key still in use. */
export function keyRoutes(keys: KeyRing) {
  return async (app: FastifyInstance) => {
    app.get(
      '/.well-known/jwks.json',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['keys'],
          summary: 'Public keys verifying the SETs this server signs (active and recently rotated)',
          security: [],
        },
      },
      async (_request, reply) => {
        // Short cache: a rotation shows within a minute, verifiers do not refetch on every SET.
        reply.header('cache-control', 'public, max-age=60');
        reply.type('application/jwk-set+json');
        return keys.jwks();
      },
    );
  };
}
