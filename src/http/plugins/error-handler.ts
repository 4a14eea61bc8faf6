import type { FastifyError, FastifyInstance } from 'fastify';
import { type ErrorCode, isErrorCode } from '../../errors/error-codes.js';
import { TidingsError, validationError } from '../../errors/tidings-error.js';
import { isDatabaseUnavailable } from '../../storage/postgres/pg-errors.js';
import { schemaErrorItems } from '../../workflows/schema-errors.js';

/** Fastify's own error codes for bad requests, mapped onto our catalogue. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'validation',
  FST_ERR_CTP_INVALID_JSON_BODY: 'validation',
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'validation',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** Turns anything thrown in a route into the documented error body. */
export function toTidingsError(error: FastifyError | Error): TidingsError {
  if (error instanceof TidingsError) return error;
  const fe = error as FastifyError & { validationContext?: string };
  if (fe.validation) {
    const where = fe.validationContext ?? 'body';
    const items = schemaErrorItems('', fe.validation as never).map((i) => ({
      ...i,
      target: i.target || where,
      message: i.message.startsWith(' ') ? `${where}${i.message}` : i.message,
    }));
    return validationError(items, `Failed to validate the request ${where}`);
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
    return validationError([{ field: 'body', message: 'body is not valid JSON' }], 'Malformed JSON body');
  }
  const mapped = (fe.code && FASTIFY_CODES[fe.code]) || (fe.statusCode ? BY_STATUS[fe.statusCode] : undefined);
  if (mapped === 'validation')
    return validationError([{ field: 'body', message: fe.message }], 'Malformed request body');
  if (mapped && isErrorCode(mapped)) {
    const message = mapped === 'payload_too_large' ? 'request body is larger than the server accepts' : fe.message;
    return new TidingsError(mapped, message, { target: 'api' });
  }
  if (isDatabaseUnavailable(error)) {
    return new TidingsError(
      'database_unavailable',
      'the database did not answer in time; retry (a write with the same Idempotency-Key)',
      { target: 'database', headers: { 'retry-after': '1' } },
    );
  }
  return new TidingsError('internal', 'internal error; the request may be retried', { target: 'api' });
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const te = toTidingsError(error);
    if (te.code === 'internal') request.log.error({ err: error }, 'unexpected error');
    if (te.code === 'database_unavailable') request.log.warn({ err: error }, 'database unavailable');
    for (const [name, value] of Object.entries(te.headers)) reply.header(name, value);
    if (te.code === 'unauthorized') reply.header('www-authenticate', 'Bearer');
    return reply.status(te.status).send(te.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const te = new TidingsError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
    return reply.status(404).send(te.toBody());
  });
}
