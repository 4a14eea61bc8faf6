import { TidingsSdkError } from '@tidings/sdk';
import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * What a failed server call means for a person, and its exit code: each
 * message says what to do next, and never repeats the API key.
 */
export function describeFailure(error: unknown): { message: string; code: ExitCode } | null {
  if (!(error instanceof TidingsSdkError)) return null;
  if (error.code === 'network_error') {
    return {
      message: `${error.message}: is the server running (npx tidings serve)? Set --url or TIDINGS_URL to its address`,
      code: EXIT.unreachable,
    };
  }
  if (error.code !== 'http_error') return { message: error.message, code: EXIT.failed };
  const body = error.body as { code?: string; message?: string } | undefined;
  const detail = body?.message ?? error.message;
  switch (error.status) {
    case 401:
      return {
        message: `the API key was refused (${detail}): check --api-key or TIDINGS_API_KEY`,
        code: EXIT.unauthorized,
      };
    case 403:
      return {
        message: `the API key lacks the scope for this (${detail}): use a key with read, write or manage as needed`,
        code: EXIT.unauthorized,
      };
    case 404:
      return { message: `not found: ${detail}`, code: EXIT.notFound };
    default:
      return {
        message: `the server answered ${error.status} ${body?.code ?? ''}: ${detail}`.trim(),
        code: EXIT.failed,
      };
  }
}
