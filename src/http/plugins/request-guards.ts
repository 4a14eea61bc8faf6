import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TidingsError, validationError } from '../../errors/tidings-error.js';

/**
 * Checks made at the door, before a route, a hash or a database sees the
 * request, so that no input can reach code that would fail on it:
 * - JSON nested deeper than `MAX_JSON_DEPTH` (a recursive `JSON.stringify`
 *   or hash overflows the stack on thousands of levels);
 * - a NUL character anywhere (PostgreSQL refuses 0x00 in text and jsonb);
 * - errors fastify or node produce before our error handler runs (a bad
 *   percent-encoding, an over-long path parameter, headers too large, a
 *   client too slow) get the documented body too.
 */
export const MAX_JSON_DEPTH = 32;

type Verdict = { field: string; message: string } | null;

/** The first object or array nested deeper than `MAX_JSON_DEPTH`, or the first string or key holding NUL. */
export function inspectJson(value: unknown, path = 'body', depth = 0): Verdict {
  if (typeof value === 'string') {
    return value.includes('\u0000') ? { field: path, message: `${path} must not contain NUL characters` } : null;
  }
  if (typeof value !== 'object' || value === null) return null;
  if (depth >= MAX_JSON_DEPTH) {
    return { field: path, message: `the body is nested deeper than ${MAX_JSON_DEPTH} levels` };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = inspectJson(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return { field: path, message: `a key in ${path} contains a NUL character` };
    const found = inspectJson(item, path === 'body' ? key : `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return null;
}

/** Whether a raw URL carries a NUL, literally or percent-encoded (path, query). */
export const hasNul = (url: string): boolean => url.includes('\u0000') || /%00/i.test(url);

/** `frameworkErrors`: the router's own refusals, in the documented body and without echoing the URL. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  let te: TidingsError;
  if (error.code === 'FST_ERR_BAD_URL') {
    te = validationError([{ field: 'url', message: 'the URL has an invalid percent-encoding' }], 'Malformed URL');
  } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    te = new TidingsError('uri_too_long', 'a path parameter is longer than the server accepts', { target: 'url' });
  } else {
    te = new TidingsError('internal', 'internal error; the request may be retried');
  }
  void reply.status(te.status).send(te.toBody());
}

const CLIENT_ERRORS: Record<string, TidingsError> = {
  ERR_HTTP_REQUEST_TIMEOUT: new TidingsError('request_timeout', 'the request was not received in time'),
  HPE_HEADER_OVERFLOW: new TidingsError('headers_too_large', 'the request headers are larger than the server accepts', {
    target: 'headers',
  }),
};

/**
 * `clientErrorHandler`: node's parser refused the request (bad syntax, headers
 * too large, a client too slow), so there is no request object: the answer is
 * written to the socket, in the documented body, and the socket closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const te =
    CLIENT_ERRORS[error.code ?? ''] ??
    validationError([{ field: 'request', message: 'the request is not valid HTTP' }], 'Malformed request');
  if (socket.writable) {
    const body = JSON.stringify(te.toBody());
    socket.write(
      `HTTP/1.1 ${te.status} ${STATUS_CODES[te.status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** The JSON parser (fastify's, safe against prototype poisoning) followed by the depth and NUL check. */
export function registerRequestGuards(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, String(body), (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined);
      const found = inspectJson(value);
      if (found) return done(validationError([found], 'Failed to validate the request body'), undefined);
      done(null, value);
    });
  });
  app.addHook('onRequest', async (request) => {
    if (hasNul(request.url)) {
      throw validationError([{ field: 'url', message: 'the URL must not contain NUL characters' }], 'Malformed URL');
    }
  });
}
