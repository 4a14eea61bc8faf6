import { TidingsSdkError } from '../errors.js';
import type { paths } from './api-types.js';

export type { components, paths } from './api-types.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
/** The paths that have this method. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends undefined | never ? never : P;
}[keyof paths];

type Params<O> = O extends { parameters: infer X } ? X : never;
type PathParams<O> = Params<O> extends { path: infer X } ? ([X] extends [never] | [undefined] ? never : X) : never;
type QueryParams<O> = Params<O> extends { query?: infer X } ? ([X] extends [never] | [undefined] ? never : X) : never;
type Body<O> = O extends { requestBody?: infer R }
  ? [NonNullable<R>] extends [never]
    ? never
    : NonNullable<R> extends { content: { 'application/json': infer B } }
      ? B
      : never
  : never;
type SuccessCodes = 200 | 201 | 202 | 204;
type Responses<O> = O extends { responses: infer R } ? R : never;
type SuccessBody<O> = {
  [C in keyof Responses<O>]: C extends SuccessCodes
    ? Responses<O>[C] extends { content: { 'application/json': infer B } }
      ? B
      : undefined
    : never;
}[keyof Responses<O>];

/**
 * The success body of an operation, e.g. `ResponseOf<'/v1/endpoints/{id}', 'get'>`:
 * the types of the API's answers, generated from openapi.json, for any code
 * that reads them without this client (the console does).
 */
export type ResponseOf<P extends keyof paths, M extends Method> = SuccessBody<Operation<P, M>>;

type Optional<K extends string, V> = [V] extends [never] ? { [P in K]?: never } : { [P in K]: V };
/** Path parameters, query and body of one operation, each required when the document says so. */
export type RequestOf<P extends keyof paths, M extends Method> = Optional<'path', PathParams<Operation<P, M>>> & {
  query?: QueryParams<Operation<P, M>>;
} & Optional<'body', Body<Operation<P, M>>>;

export interface ClientOptions {
  /** Base URL of the Tidings server. */
  url: string | URL;
  /** A tenant API key (`tdk_...`). */
  apiKey: string;
  fetch?: typeof fetch;
  /** Extra headers on every call, e.g. `Idempotency-Key`. */
  headers?: Record<string, string>;
}

/**
 * The management API client, typed by `api-types.ts`, which `openapi-typescript`
 * generates from the server's `openapi.json` (a test fails when the two drift).
 * Each call returns the success body typed, or throws `TidingsSdkError`
 * `http_error` with the server's `{code, message, target, errors}` in `body`.
 */
export interface TidingsClient {
  get<P extends PathsWith<'get'>>(path: P, request?: RequestOf<P, 'get'>): Promise<SuccessBody<Operation<P, 'get'>>>;
  post<P extends PathsWith<'post'>>(
    path: P,
    request?: RequestOf<P, 'post'>,
  ): Promise<SuccessBody<Operation<P, 'post'>>>;
  patch<P extends PathsWith<'patch'>>(
    path: P,
    request?: RequestOf<P, 'patch'>,
  ): Promise<SuccessBody<Operation<P, 'patch'>>>;
  delete<P extends PathsWith<'delete'>>(
    path: P,
    request?: RequestOf<P, 'delete'>,
  ): Promise<SuccessBody<Operation<P, 'delete'>>>;
}

function fillPath(template: string, params: Record<string, unknown> | undefined): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new TypeError(`path parameter ${name} is missing`);
    return encodeURIComponent(String(value));
  });
}

/**
 * @example
 * ```ts
 * import { createClient } from '@tidings/sdk/client';
 *
 * const tidings = createClient({ url: 'http://127.0.0.1:8080', apiKey: process.env.TIDINGS_API_KEY! });
 * const endpoint = await tidings.post('/v1/endpoints', { body: { url: 'https://example.com/hooks' } });
 * const subject = await tidings.get('/v1/subjects/{id}', { path: { id: 'req-1' } });
 * ```
 */
export function createClient(options: ClientOptions): TidingsClient {
  const doFetch = options.fetch ?? globalThis.fetch;
  async function call(method: string, template: string, request: Record<string, unknown> = {}) {
    const url = new URL(fillPath(template, request.path as Record<string, unknown>), options.url);
    for (const [k, v] of Object.entries((request.query as Record<string, unknown>) ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const hasBody = request.body !== undefined;
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          accept: 'application/json',
          ...(hasBody ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        ...(hasBody ? { body: JSON.stringify(request.body) } : {}),
      });
    } catch (cause) {
      throw new TidingsSdkError('network_error', `could not reach ${url.origin}`, { cause });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    if (!response.ok) {
      const message = (body as { message?: unknown })?.message;
      throw new TidingsSdkError(
        'http_error',
        `${method} ${template} answered ${response.status}${typeof message === 'string' ? `: ${message}` : ''}`,
        { status: response.status, body },
      );
    }
    return body;
  }
  return {
    get: (path, request) => call('GET', path, request) as never,
    post: (path, request) => call('POST', path, request) as never,
    patch: (path, request) => call('PATCH', path, request) as never,
    delete: (path, request) => call('DELETE', path, request) as never,
  };
}
