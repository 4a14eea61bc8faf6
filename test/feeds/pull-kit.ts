/** Helpers shared by the pull delivery tests: HTTP calls, FIT-Connect fixtures, SET verification. */
import assert from 'node:assert/strict';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import type { TestApp } from '../helpers/test-runtime.js';

export type Auth = { authorization: string };

export function client(t: TestApp, auth: Auth) {
  return {
    get: (url: string) => t.runtime.app.inject({ method: 'GET', url, headers: auth }),
    post: (url: string, payload?: unknown) =>
      t.runtime.app.inject({
        method: 'POST',
        url,
        headers: auth,
        ...(payload === undefined ? {} : { payload: payload as object }),
      }),
    delete: (url: string) => t.runtime.app.inject({ method: 'DELETE', url, headers: auth }),
  };
}

export const TAGS = { authenticationTags: { metadata: 'bWV0YWRhdGEtdGFn', data: 'ZGF0YS10YWc' } };

/** A FIT-Connect case with one submission taken to `accepted` (4 submission events + 1 case event). */
export async function fitCaseWithSubmission(t: TestApp, auth: Auth, caseId: string, submissionId: string) {
  const api = client(t, auth);
  const ok = (res: { statusCode: number; body: string }) => assert.equal(res.statusCode, 201, res.body);
  ok(await api.post('/v1/subjects', { workflow: 'fit-case', id: caseId }));
  ok(await api.post('/v1/subjects', { workflow: 'fit-submission', id: submissionId, parentId: caseId }));
  ok(await api.post(`/v1/subjects/${submissionId}/events`, { type: 'submit-submission', data: TAGS }));
  ok(
    await api.post(`/v1/subjects/${submissionId}/events`, {
      type: 'https://schema.fitko.de/fit-connect/events/accept-submission',
      data: TAGS,
    }),
  );
}

/** Creates `n` Gallery image checks (one event each) straight through the service: fast bulk writes. */
export async function imageChecks(t: TestApp, tenantId: string, n: number, prefix: string): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      t.runtime.subjects.create(tenantId, {
        workflow: 'image-check',
        id: `${prefix}-${i}`,
        attributes: { ImageType: 'Gallery' },
      }),
    ),
  );
}

export async function servedJwks(t: TestApp): Promise<JSONWebKeySet> {
  const res = await t.runtime.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  assert.equal(res.statusCode, 200);
  return res.json() as JSONWebKeySet;
}

/** Verifies a SET against the served JWKS as an RFC 8417 consumer would; returns header and claims. */
export async function verifySet(jws: string, jwks: JSONWebKeySet) {
  const { payload, protectedHeader } = await jwtVerify(jws, createLocalJWKSet(jwks), { typ: 'secevent+jwt' });
  return { header: protectedHeader, claims: payload as Record<string, unknown> };
}
