import { createPrivateKey, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { type Dispatcher, request } from 'undici';
import type { EndpointAuth } from '../../endpoint.js';

export type OAuth2Auth = Extract<EndpointAuth, { type: 'oauth2' }>;

/** A token endpoint's refusal or an answer we cannot use; recorded as an attempt of class `token`. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
}

export interface Token {
  accessToken: string;
  /** Epoch ms when the authorization server says it expires; `null` when it did not say. */
  expiresAt: number | null;
}

/** The JWS algorithm of a private key for RFC 7523 `private_key_jwt`. */
function algorithmOf(pem: string): string {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : 'ES256';
  }
  throw new TokenError(`a ${key.asymmetricKeyType} key cannot sign a client assertion`);
}

/** RFC 7523 §2.2: a short-lived JWT the client signs, its `aud` the token endpoint. */
async function clientAssertion(auth: OAuth2Auth, nowMs: number): Promise<string> {
  const pem = auth.privateKey ?? '';
  const alg = algorithmOf(pem);
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg, ...(auth.keyId ? { kid: auth.keyId } : {}) })
    .setIssuer(auth.clientId)
    .setSubject(auth.clientId)
    .setAudience(auth.tokenUrl)
    .setJti(randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + 60)
    .sign(createPrivateKey(pem));
}

/** RFC 6749 §2.3.1: id and secret form-urlencoded, then Basic. */
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/**
 * RFC 6749 §4.4: one client-credentials token request. `dispatcher` is the
 * SSRF-guarded agent (the token URL is judged like an endpoint's).
 */
export async function requestToken(
  auth: OAuth2Auth,
  options: { dispatcher: Dispatcher; timeoutMs: number; nowMs: number },
): Promise<Token> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (auth.scope) form.set('scope', auth.scope);
  if (auth.audience) form.set('audience', auth.audience);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (auth.clientAuth === 'private_key_jwt') {
    form.set('client_id', auth.clientId);
    form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    form.set('client_assertion', await clientAssertion(auth, options.nowMs));
  } else {
    headers.authorization = basic(auth.clientId, auth.clientSecret ?? '');
  }
  let answer: Awaited<ReturnType<typeof request>>;
  try {
    answer = await request(auth.tokenUrl, {
      method: 'POST',
      headers,
      body: form.toString(),
      dispatcher: options.dispatcher,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
    const why = e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(error);
    throw new TokenError(`token endpoint unreachable: ${why}`);
  }
  const text = (await answer.body.text()).slice(0, 2048);
  let body: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // a non-JSON answer: reported below with its status
  }
  if (answer.statusCode !== 200 || typeof body.access_token !== 'string') {
    const why =
      typeof body.error === 'string'
        ? `${body.error}${body.error_description ? `: ${String(body.error_description)}` : ''}`
        : text.slice(0, 200);
    throw new TokenError(`token endpoint answered ${answer.statusCode}${why ? ` (${why})` : ''}`);
  }
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in);
  return {
    accessToken: body.access_token,
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? options.nowMs + expiresIn * 1000 : null,
  };
}
