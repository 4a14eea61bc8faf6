import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { KeyRing } from '../../keys/key-ring.js';
import { KEY_PURPOSES, type SigningKeyRecord } from '../../keys/signing-key.js';
import { errorResponses } from '../schemas.js';

const SigningKeySchema = Type.Object({
  kid: Type.String(),
  purpose: Type.String({ description: 'fit (PS512, FIT-Connect SETs) or default (EdDSA)' }),
  alg: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  rotatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  published: Type.Boolean({ description: 'Still in the JWKS' }),
});

/** Operator routes (admin token) over the SET signing keys: their ages, and rotation (as `tidings keys rotate`). */
export function signingKeyRoutes(keys: KeyRing) {
  return async (instance: FastifyInstance) => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const view = async (records: SigningKeyRecord[]) => {
      const published = new Set((await keys.publishedKeys()).map((k) => k.kid));
      return records.map((k) => ({
        kid: k.kid,
        purpose: k.purpose,
        alg: k.alg,
        createdAt: k.createdAt,
        rotatedAt: k.rotatedAt,
        published: published.has(k.kid),
      }));
    };

    app.get(
      '/v1/signing-keys',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['keys'],
          summary: 'Signing keys with their ages, newest first (admin token; never the private keys)',
          security: [{ adminToken: [] }],
          response: { 200: Type.Object({ keys: Type.Array(SigningKeySchema) }), ...errorResponses(401, 403) },
        },
      },
      async () => {
        const all = [...(await keys.list(true))].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
        return { keys: await view(all) };
      },
    );

    app.post(
      '/v1/signing-keys/rotate',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['keys'],
          summary:
            'Replace the active key of each purpose (or the one named); old keys stay in the JWKS for the overlap',
          security: [{ adminToken: [] }],
          body: Type.Optional(
            Type.Object(
              { purpose: Type.Optional(Type.Union(KEY_PURPOSES.map((p) => Type.Literal(p)))) },
              { additionalProperties: false },
            ),
          ),
          response: { 200: Type.Object({ keys: Type.Array(SigningKeySchema) }), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const purpose = request.body?.purpose;
        const created = await keys.rotate(purpose ? [purpose] : KEY_PURPOSES);
        return { keys: await view(created) };
      },
    );
  };
}
