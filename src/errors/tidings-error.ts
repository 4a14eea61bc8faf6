import { type ErrorCode, httpStatusOf } from './error-codes.js';

/** One item of an error's `errors` list (seed 003's error model). */
export interface ErrorItem {
  /** `WrongFieldValue` for a field of the wrong shape, `MissingField`, `UnknownField`, ... */
  code: string;
  message: string;
  /** The field (JSON pointer-ish dotted path) or component the item is about. */
  target: string;
}

/** The body of every error answer, on every route. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  target: string;
  errors: ErrorItem[];
}

/**
 * A failure with a stable code. Domain code returns or throws these; the HTTP
 * layer turns them into `ErrorBody` with the status the code maps to.
 * Messages describe the failed check and never carry secrets or payloads.
 */
export class TidingsError extends Error {
  readonly code: ErrorCode;
  readonly target: string;
  readonly errors: ErrorItem[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { target?: string; errors?: ErrorItem[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'TidingsError';
    this.code = code;
    this.target = options.target ?? 'api';
    this.errors = options.errors ?? [];
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return httpStatusOf(this.code);
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, target: this.target, errors: this.errors };
  }
}

/** A 400 `validation` error with one `WrongFieldValue` item per bad field. */
export function validationError(
  items: ReadonlyArray<{ field: string; message: string; code?: string } | ErrorItem>,
  message = 'Failed to validate input request',
): TidingsError {
  return new TidingsError('validation', message, {
    target: 'api',
    errors: items.map((i) =>
      'field' in i ? { code: i.code ?? 'WrongFieldValue', message: i.message, target: i.field } : i,
    ),
  });
}

export function wrongField(field: string, message: string): TidingsError {
  return validationError([{ field, message }]);
}

export function notFound(what: string, target = 'api'): TidingsError {
  return new TidingsError('not_found', `${what} not found`, { target });
}
