import type { Config } from '../config/config.js';

/** A start that cannot go on, with one line saying what to do; `tidings` prints it and exits 1. */
export class StartError extends Error {
  override name = 'StartError';
}

const errno = (error: unknown): string | undefined => (error as { code?: string }).code;

/** The start-up failures a newcomer meets first, as one line each; anything else stays as it was. */
export function explainStartError(error: unknown, config: Config): unknown {
  const code = errno(error);
  const detail = (error as Error).message;
  if (code === 'EADDRINUSE' && config.role === 'worker' && config.workerPort !== null) {
    return new StartError(
      `port ${config.workerPort} on ${config.host} is already in use (another Tidings?): give this worker another one, e.g. TIDINGS_WORKER_PORT=${config.workerPort + 1}`,
    );
  }
  if (code === 'EADDRINUSE') {
    return new StartError(
      `port ${config.port} on ${config.host} is already in use (another Tidings?): stop that process, or start on another port, e.g. PORT=${config.port + 1} npm start`,
    );
  }
  if (code === 'EADDRNOTAVAIL') {
    return new StartError(
      `cannot listen on ${config.host}: no such address here; set HOST to an address of this machine, e.g. HOST=127.0.0.1`,
    );
  }
  if (
    config.databaseUrl !== null &&
    (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || /timeout/i.test(detail))
  ) {
    const url = new URL(config.databaseUrl);
    return new StartError(
      `PostgreSQL at ${url.hostname}:${url.port || '5432'} does not answer (${code ?? detail}): start it or fix DATABASE_URL, or unset DATABASE_URL to use SQLite under TIDINGS_DATA_DIR`,
    );
  }
  if (config.databaseUrl !== null && code === '3D000') {
    return new StartError(
      `${detail}: create it (createdb ${new URL(config.databaseUrl).pathname.slice(1)}) or fix DATABASE_URL`,
    );
  }
  return error;
}

/** Fails with one line unless the SQLite data folder can be created and written. */
export async function checkDataDir(dataDir: string): Promise<void> {
  const { mkdir, access, constants } = await import('node:fs/promises');
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.W_OK);
  } catch (error) {
    throw new StartError(
      `the data folder ${dataDir} cannot be written (${errno(error) ?? (error as Error).message}): set TIDINGS_DATA_DIR to a folder you can write, or fix its permissions`,
    );
  }
}
