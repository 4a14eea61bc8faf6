import type { Config } from '../config/config.js';
import { createRuntime, type Runtime } from '../server/create-runtime.js';
import { openStore } from '../server/open-store.js';
import { SqliteStore } from '../storage/sqlite/sqlite-store.js';
import { baseUrl, formatBanner, storageLocation, tidingsVersion } from './banner.js';
import { inForeground, offerFirstTenant } from './first-tenant.js';
import { checkDataDir, explainStartError } from './start-error.js';

/**
 * Readable lines on a terminal, pino's JSON where a machine reads the output
 * (or as configured). pino-pretty is imported only for readable lines: a
 * process logging JSON (a server, a worker) does not load it.
 */
async function loggerFor(config: Config) {
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
  if (!pretty) return { level: config.logLevel };
  const { prettyLogStream } = await import('./pretty-log.js');
  return { level: config.logLevel, stream: prettyLogStream(process.stdout) };
}

/** Runs a Tidings process until SIGINT/SIGTERM, then drains and closes. */
export async function serve(config: Config): Promise<void> {
  if (config.databaseUrl === null) await checkDataDir(config.dataDir);
  const store = openStore(config);
  let runtime: Runtime;
  try {
    runtime = await createRuntime(config, { store, logger: await loggerFor(config) });
  } catch (error) {
    await store.close().catch(() => {});
    throw explainStartError(error, config);
  }
  const log = runtime.app.log;
  let url: string | null = null;
  try {
    // A worker listens only when given its own port (TIDINGS_WORKER_PORT), for /healthz, /readyz and /metrics.
    const port = config.role === 'worker' ? config.workerPort : config.port;
    if (port !== null) {
      await runtime.app.listen({ port, host: config.host });
      const address = runtime.app.server.address();
      url = baseUrl(config.host, typeof address === 'object' && address ? address.port : port);
    } else {
      await runtime.app.ready();
    }
  } catch (error) {
    runtime.app.log.level = 'silent'; // the one line below is the whole story
    await runtime.close().catch(() => {});
    throw explainStartError(error, config);
  }
  runtime.startWorkers();
  // The JWKS is never empty: make the first signing keys now (RSA-4096 takes seconds, off the event loop).
  runtime.pull.keys.ensureKeys().catch((err: unknown) => log.error({ err }, 'could not create the signing keys'));
  const hasTenant = (await runtime.store.listTenants()).length > 0;
  // where the embedded store's commits wait for their fsync (TIDINGS_SQLITE_FSYNC)
  const fsync = runtime.store instanceof SqliteStore ? runtime.store.fsync : null;
  log.info(
    { role: config.role, storage: runtime.store.kind, url, issuer: config.issuer, ...(fsync ? { fsync } : {}) },
    'tidings started',
  );
  if (config.keyEncryptionKeys.length === 0) {
    log.warn(
      'TIDINGS_KEY_ENCRYPTION_KEY is not set: signing keys are stored unencrypted. To encrypt them, set TIDINGS_KEY_ENCRYPTION_KEY=$(openssl rand -hex 32)',
    );
  }
  // a worker serves no API, so no POST /v1/tenants to turn on
  if (config.adminToken === null && config.role !== 'worker')
    log.warn(
      'TIDINGS_ADMIN_TOKEN is not set: POST /v1/tenants is off. Create tenants with `npx tidings tenants create NAME`, or set TIDINGS_ADMIN_TOKEN to turn it on',
    );

  // last, so that what to open and what to run next is what the terminal shows
  if (process.stdout.isTTY) {
    process.stdout.write(
      formatBanner({ version: tidingsVersion(), role: config.role, storage: storageLocation(config), url, hasTenant }),
    );
  }
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    await runtime.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  if (!hasTenant && process.stdin.isTTY && process.stdout.isTTY && inForeground())
    await offerFirstTenant(runtime.store);
}
