import { type JwksSource, type VerifiedSet, type VerifySetOptions, verifySet } from '../set/verify-set.js';
import { type BackoffOptions, backoffDelay, sleep } from './backoff.js';
import { type ConnectionOptions, callJson } from './http.js';

export interface PollOptions extends ConnectionOptions {
  /** The stream's id (`POST /v1/streams`). */
  streamId: string;
  /** SETs per poll, 1..1000 (default 100). */
  maxEvents?: number;
  /** Verify each SET against this JWKS before yielding it (recommended: the JWKS URL of the server). */
  jwks?: JwksSource;
  verify?: VerifySetOptions;
  backoff?: BackoffOptions;
  signal?: AbortSignal;
}

export interface PolledSet {
  jti: string;
  /** The compact JWS as received. */
  jwt: string;
  /** The verified token, when `jwks` was given. */
  set?: VerifiedSet;
}

/**
 * RFC 8936 poll delivery: long-polls a stream and yields its SETs; each SET
 * your loop body handled is acknowledged in the next poll (and in a last poll
 * when the loop ends), so an unhandled one comes back. A SET that fails
 * verification is reported to the server in `setErrs` and not yielded.
 *
 * @example
 * ```ts
 * for await (const { jti, set } of pollStream({ url, apiKey, streamId, jwks: `${url}/.well-known/jwks.json` })) {
 *   console.log(jti, set?.eventUri);
 * }
 * ```
 */
export async function* pollStream(options: PollOptions): AsyncGenerator<PolledSet, void, undefined> {
  const { signal } = options;
  let ack: string[] = [];
  let setErrs: Record<string, { err: string; description: string }> = {};
  let failures = 0;
  try {
    while (!signal?.aborted) {
      const body = { maxEvents: options.maxEvents ?? 100, ack, setErrs };
      const outcome = await callJson<{ sets: Record<string, string>; moreAvailable: boolean }>(
        options,
        `/v1/streams/${encodeURIComponent(options.streamId)}/poll`,
        { method: 'POST', body, signal },
      );
      if (signal?.aborted) return;
      if (!outcome.ok) {
        if (!outcome.retry) throw outcome.error;
        await sleep(Math.max(outcome.retryAfterMs ?? 0, backoffDelay(failures++, options.backoff)), signal);
        continue;
      }
      failures = 0;
      ack = [];
      setErrs = {};
      for (const [jti, jwt] of Object.entries(outcome.body.sets)) {
        let set: VerifiedSet | undefined;
        if (options.jwks !== undefined) {
          try {
            set = await verifySet(jwt, options.jwks, options.verify);
          } catch (error) {
            setErrs[jti] = { err: 'invalid_key', description: (error as Error).message.slice(0, 200) };
            continue;
          }
        }
        yield set ? { jti, jwt, set } : { jti, jwt };
        ack.push(jti);
        if (signal?.aborted) return;
      }
    }
  } finally {
    if (ack.length > 0 || Object.keys(setErrs).length > 0) {
      // Acknowledge what was handled before the loop ended, without waiting for more.
      await callJson(options, `/v1/streams/${encodeURIComponent(options.streamId)}/poll`, {
        method: 'POST',
        body: { maxEvents: 0, returnImmediately: true, ack, setErrs },
      });
    }
  }
}
