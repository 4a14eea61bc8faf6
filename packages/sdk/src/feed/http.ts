import { TidingsSdkError } from '../errors.js';
import { retryAfterMs } from './backoff.js';

export interface ConnectionOptions {
  /** Base URL of the Tidings server, e.g. `https://tidings.example`. */
  url: string | URL;
  /** A tenant API key (`tdk_...`). */
  apiKey: string;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

/** What one request came to: a body, or a failure and whether (and when) to try again. */
export type Outcome<T> =
  | { ok: true; body: T }
  | { ok: false; error: TidingsSdkError; retry: boolean; retryAfterMs: number | null };

/** One JSON call; 429, 5xx and network errors are retryable, other answers are final. */
export async function callJson<T>(
  connection: ConnectionOptions,
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal | undefined } = {},
): Promise<Outcome<T>> {
  const doFetch = connection.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(new URL(path, connection.url), {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${connection.apiKey}`,
        accept: 'application/json',
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  } catch (cause) {
    const error = new TidingsSdkError('network_error', `could not reach ${String(connection.url)}`, { cause });
    return { ok: false, error, retry: true, retryAfterMs: null };
  }
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  if (response.ok) return { ok: true, body: body as T };
  const message = (body as { message?: unknown })?.message;
  const error = new TidingsSdkError(
    'http_error',
    `${response.status} from ${path}${typeof message === 'string' ? `: ${message}` : ''}`,
    { status: response.status, body },
  );
  const retry = response.status === 429 || response.status >= 500;
  return { ok: false, error, retry, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
}
