import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config.js';
import { PostgresDeliveryStore } from '../delivery/storage/postgres-delivery-store.js';
import { SqliteDeliveryStore } from '../delivery/storage/sqlite-delivery-store.js';
import { openPullStorage } from '../feeds/open-pull-storage.js';
import { KeyRing } from '../keys/key-ring.js';
import { type ReencryptReport, reencryptSecrets } from '../keys/reencrypt-secrets.js';
import { SealError, SecretSealer } from '../keys/secret-sealer.js';
import { isKeyPurpose, KEY_PURPOSES } from '../keys/signing-key.js';
import { createRuntime } from '../server/create-runtime.js';
import { loadWorkflows } from '../server/load-workflows.js';
import { openStore } from '../server/open-store.js';
import type { PostgresStore } from '../storage/postgres/postgres-store.js';
import type { SqliteStore } from '../storage/sqlite/sqlite-store.js';
import { generateApiKey, SCOPES } from '../tenants/api-key.js';

/** A command's outcome: text for stdout, and the exit code. */
export interface CommandResult {
  out: string;
  code: number;
}

export class UsageError extends Error {}

export async function migrate(config: Config): Promise<CommandResult> {
  const store = openStore(config);
  try {
    await store.migrate();
    return { out: `migrated the ${store.kind} database`, code: 0 };
  } finally {
    await store.close();
  }
}

export async function tenants(config: Config, args: string[]): Promise<CommandResult> {
  const [action, name, ...extra] = args;
  if (action === 'create') {
    if (!name || extra.length > 0 || name.length > 200)
      throw new UsageError('usage: tidings tenants create NAME (1-200 characters)');
    const store = openStore(config);
    try {
      await store.migrate();
      const now = new Date();
      const tenant = { id: randomUUID(), name, createdAt: now.toISOString() };
      const { apiKey, record } = generateApiKey(tenant.id, 'initial', SCOPES, now);
      await store.createTenant(tenant, record);
      return { out: `tenant id: ${tenant.id}\napi key:   ${apiKey}\n(the key is shown once; store it now)`, code: 0 };
    } finally {
      await store.close();
    }
  }
  if (action === 'list' && name === undefined) {
    const store = openStore(config);
    try {
      await store.migrate();
      const rows = await store.listTenants();
      return { out: rows.map((t) => `${t.id}  ${t.name}`).join('\n') || '(no tenants)', code: 0 };
    } finally {
      await store.close();
    }
  }
  throw new UsageError('usage: tidings tenants create NAME | tidings tenants list');
}

export function workflows(config: Config, args: string[]): CommandResult {
  const registry = loadWorkflows(config);
  const [action, name, ...extra] = args;
  if (action === 'list' && name === undefined) {
    const lines = registry
      .list()
      .map(({ definition: d }) => `${d.name.padEnd(26)}${d.format.padEnd(10)}${d.states.join(', ')}`);
    return { out: lines.join('\n'), code: 0 };
  }
  if (action === 'show' && name !== undefined && extra.length === 0) {
    const wf = registry.get(name);
    if (!wf) throw new UsageError(`no workflow named ${name}; see tidings workflows list`);
    return { out: JSON.stringify(wf.definition, null, 2), code: 0 };
  }
  throw new UsageError('usage: tidings workflows list | tidings workflows show NAME');
}

/**
 * `tidings keys list` shows every signing key and whether the JWKS publishes it;
 * `tidings keys rotate [fit|default]` replaces the active key(s). Running
 * servers pick the new key up within 5 s; the old public key stays in the
 * JWKS for the 7-day overlap, so SETs already handed out keep verifying.
 */
export async function keys(config: Config, args: string[]): Promise<CommandResult> {
  const [action, ...purposes] = args;
  const usage = 'usage: tidings keys list | tidings keys rotate [fit|default] | tidings keys reencrypt [--json]';
  if (action === 'reencrypt') return reencrypt(config, purposes, usage);
  if (action !== 'list' && action !== 'rotate') throw new UsageError(usage);
  if (action === 'list' && purposes.length > 0) throw new UsageError(usage);
  if (!purposes.every(isKeyPurpose)) throw new UsageError(usage);
  const store = openStore(config);
  try {
    await store.migrate();
    const ring = new KeyRing({
      storage: openPullStorage(store).keys,
      clock: () => new Date(),
      overlapMs: config.keyOverlapMs,
      publishLeadMs: config.keyPublishLeadMs,
      sealer: new SecretSealer(config.keyEncryptionKeys),
    });
    if (action === 'rotate') {
      const created = await ring.rotate(purposes.length > 0 ? purposes : KEY_PURPOSES);
      const lead = Math.round(config.keyPublishLeadMs / 60_000);
      const out = created.map(
        (k) => `new ${k.purpose} key ${k.kid} (${k.alg}): in the JWKS now, signing in ${lead} min`,
      );
      return { out: out.join('\n'), code: 0 };
    }
    const published = new Set((await ring.publishedKeys()).map((k) => k.kid));
    const lines = (await ring.list(true)).map(
      (k) =>
        `${k.kid}  ${k.purpose.padEnd(8)}${k.alg.padEnd(7)}created ${k.createdAt}  ${
          k.rotatedAt === null ? 'active' : `rotated ${k.rotatedAt}`
        }${published.has(k.kid) ? '  (in JWKS)' : ''}`,
    );
    return { out: lines.join('\n') || '(no signing keys yet: they are created on first use)', code: 0 };
  } finally {
    await store.close();
  }
}

/**
 * `tidings keys reencrypt`: seals every stored secret (signing and destination
 * keys, endpoint secrets and credentials, shared OAuth 2.0 tokens) under the newest key of TIDINGS_KEY_ENCRYPTION_KEYS,
 * after which older keys can be dropped from the list. Idempotent: values
 * already under the newest key are left alone. Exit 1 with what to do when no
 * key is configured or a value opens with none of them.
 */
async function reencrypt(config: Config, args: string[], usage: string): Promise<CommandResult> {
  const json = args.length === 1 && args[0] === '--json';
  if (args.length > 0 && !json) throw new UsageError(usage);
  const sealer = new SecretSealer(config.keyEncryptionKeys);
  if (!sealer.encrypts) {
    return {
      out: 'no key encryption key is configured: set TIDINGS_KEY_ENCRYPTION_KEYS=id:KEY (newest first), e.g. k1:$(openssl rand -hex 32)',
      code: 1,
    };
  }
  const store = openStore(config);
  try {
    await store.migrate();
    const deliveries =
      store.kind === 'sqlite'
        ? new SqliteDeliveryStore((store as SqliteStore).db, () => (store as SqliteStore).outboxBelow())
        : new PostgresDeliveryStore(
            (store as PostgresStore).pool,
            (store as PostgresStore).leasePool,
            (store as PostgresStore).recordPool,
          );
    let report: ReencryptReport;
    try {
      const pullStorage = openPullStorage(store);
      report = await reencryptSecrets({
        sealer,
        store,
        keys: pullStorage.keys,
        destinationKeys: pullStorage.destinationKeys,
        deliveries,
      });
    } catch (error) {
      if (!(error instanceof SealError)) throw error;
      return {
        out: `${error.code}: ${error.message}; list every key that sealed stored values in TIDINGS_KEY_ENCRYPTION_KEYS and run again`,
        code: 1,
      };
    }
    if (json) return { out: JSON.stringify(report), code: 0 };
    const line = (what: string, c: ReencryptReport['signingKeys']) =>
      `${what}: ${c.reencrypted} re-encrypted, ${c.unchanged} already under ${report.keyId}`;
    return {
      out: [
        line('signing keys', report.signingKeys),
        line('destination keys', report.destinationKeys),
        line('endpoint secrets', report.endpointSecrets),
        line('endpoint tokens', report.endpointTokens),
      ].join('\n'),
      code: 0,
    };
  } finally {
    await store.close();
  }
}

/** The OpenAPI document, generated from the route schemas (the committed openapi.json is checked against it). */
export async function openapi(config: Config): Promise<CommandResult> {
  const { SqliteStore } = await import('../storage/sqlite/sqlite-store.js');
  // the API's document whatever this shell's TIDINGS_ROLE: a worker builds no API routes
  const runtime = await createRuntime(
    { ...config, databaseUrl: null, role: 'all' },
    { store: new SqliteStore({ path: ':memory:' }) },
  );
  try {
    await runtime.app.ready();
    return { out: JSON.stringify(runtime.app.swagger(), null, 2), code: 0 };
  } finally {
    await runtime.close();
  }
}
