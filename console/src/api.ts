import { useCallback, useEffect, useState } from 'preact/hooks';
import { session, tenantBearer } from './session';

/** An error answer of the API: its documented body `{code, message, target, errors}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target = '',
    readonly errors: Array<{ message: string; target: string }> = [],
  ) {
    super(message);
  }
}

export type As = 'tenant' | 'admin' | 'public';

/** One public API call; every action of the console is one of these. */
export async function api<T = unknown>(
  path: string,
  options: { method?: string; body?: unknown; as?: As } = {},
): Promise<T> {
  const as = options.as ?? 'tenant';
  const headers: Record<string, string> = {};
  const bearer = as === 'admin' ? session().admin : as === 'tenant' ? tenantBearer() : null;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const e = typeof body === 'object' && body !== null ? body : {};
    throw new ApiError(response.status, e.code ?? 'error', e.message ?? `HTTP ${response.status}`, e.target, e.errors);
  }
  return body as T;
}

export interface Loaded<T> {
  data: T | null;
  error: ApiError | Error | null;
  loading: boolean;
  reload: () => void;
}

/** Loads `path` (null: nothing yet) and reloads when it changes or when asked. */
export function useApi<T>(path: string | null, as: As = 'tenant'): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: Error | null; loading: boolean }>({
    data: null,
    error: null,
    loading: path !== null,
  });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api<T>(path, { as }).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: Error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, as, tick]);
  return { ...state, reload };
}

/** `?a=1&b=2` from the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const text = search.toString();
  return text ? `?${text}` : '';
}
