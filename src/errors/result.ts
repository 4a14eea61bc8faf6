import type { TidingsError } from './tidings-error.js';

/** Errors as values: pure code returns a `Result` instead of throwing. */
export type Result<T, E = TidingsError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
