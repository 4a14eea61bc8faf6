import type { Config } from '../config/config.js';
import { createRuntime } from '../server/create-runtime.js';

/** Runs a Tidings process until SIGINT/SIGTERM, then drains and closes. */
export async function serve(config: Config): Promise<void> {
  const runtime = await createRuntime(config, { logger: { level: config.logLevel } });
  const log = runtime.app.log;
  if (config.role !== 'worker') {
    await runtime.app.listen({ port: config.port, host: config.host });
  } else {
    await runtime.app.ready();
  }
  runtime.startWorkers();
  log.info({ role: config.role, storage: runtime.store.kind, issuer: config.issuer }, 'tidings started');
  if (config.keyEncryptionKey === null) {
    log.warn('TIDINGS_KEY_ENCRYPTION_KEY is not set: private signing keys are stored unencrypted (never served)');
  }
  if (config.adminToken === null)
    log.warn('TIDINGS_ADMIN_TOKEN is not set: POST /v1/tenants is off (use `tidings tenants create`)');

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
}
