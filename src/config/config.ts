import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { parse as parseYaml } from 'yaml';
import { parseRetrySchedule } from '../delivery/retry-policy.js';
import type { SealingKey } from '../keys/secret-sealer.js';
import { FSYNC_MODES, type FsyncMode } from '../storage/sqlite/fsync-mode.js';
import { parseDuration } from '../workflows/duration.js';

export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

/** Everything configurable, validated once at start-up. Nothing else reads `process.env`. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Where an embedded (SQLite) commit waits for its fsync (`fsync-mode.ts`). */
  sqliteFsync: FsyncMode;
  databaseUrl: string | null;
  adminToken: string | null;
  allowInsecureEndpoints: boolean;
  /** CIDR ranges endpoints may reach although they are not public (an operator's own network). */
  allowedEndpointRanges: string[];
  /** Delays between delivery attempts, in ms. */
  retrySchedule: number[];
  /** A push that has not been answered in full by then is a failed try (`timeout`). */
  pushTimeoutMs: number;
  /** A push whose connection is not up by then is a failed try (`timeout`, as undici reports it). */
  pushConnectTimeoutMs: number;
  /** Requests open per endpoint at most (also its connection count). */
  pushConcurrency: number;
  /** HTTP CONNECT proxy every HTTP push leaves through (a fixed egress address); an endpoint's `proxy` overrides it. */
  pushProxy: string | null;
  /** An endpoint whose every attempt failed for this long is disabled. */
  disableAfterFailingMs: number;
  /** An endpoint failing this long gets an `endpoint.failing` operational event. */
  endpointFailingAfterMs: number;
  role: Role;
  /**
   * Where a `worker` process answers `/healthz`, `/readyz` and `/metrics` (on
   * `host`); null: it does not listen. Apart from `port`, so that workers
   * beside an API process, or beside each other, on one host do not collide.
   */
  workerPort: number | null;
  issuer: string;
  workflowFiles: string[];
  bodyLimitBytes: number;
  /** A request (headers and body) not received in full by then is answered 408 and closed. */
  requestTimeoutMs: number;
  /** Request headers not received in full by then: 408 and closed (at most `requestTimeoutMs`). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  retentionDays: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `pretty`: one readable line per entry; `json`: pino's lines; `auto`: pretty on a terminal, JSON otherwise. */
  logFormat: 'auto' | 'json' | 'pretty';
  timerIntervalMs: number;
  dbPoolSize: number;
  /** The server cancels a statement that runs longer (`statement_timeout`); shorter than `dbQueryTimeoutMs`. */
  dbStatementTimeoutMs: number;
  /**
   * The client stops waiting for a query's answer after this long (pg's `query_timeout`, done by
   * `read-timeout-client.ts`) and drops the connection: what bounds a request while the database is
   * partitioned away (sockets open, nothing answering), where the server's own timeout is never heard.
   */
  dbQueryTimeoutMs: number;
  /** Longest wait for a pooled connection, a new one included (pg's `connectionTimeoutMillis`). */
  dbConnectTimeoutMs: number;
  /** TCP keepalive probes start after a pooled connection was silent this long; 0 turns keepalive off. */
  dbKeepAliveDelayMs: number;
  /** 32-byte key (64 hex digits or base64) that encrypts signing keys at rest; null stores them unencrypted. */
  keyEncryptionKey: Buffer | null;
  /**
   * The keys that seal stored secrets, newest (the one that seals) first:
   * `TIDINGS_KEY_ENCRYPTION_KEYS` (`id:key,...`), or the single
   * `TIDINGS_KEY_ENCRYPTION_KEY` as the key `default`; empty: none.
   */
  keyEncryptionKeys: SealingKey[];
  /** How long a rotated signing key stays in the JWKS. */
  keyOverlapMs: number;
  /** Origins that may frame the console (CSP frame-ancestors); empty refuses framing. */
  consoleFrameOrigins: string[];
  /** How long a new signing key is published in the JWKS before it signs. */
  keyPublishLeadMs: number;
  /** OTLP/HTTP collector that receives traces (`<url>/v1/traces`); null: tracing is off. */
  otlpEndpoint: string | null;
  /** `service.name` of the exported spans. */
  otelServiceName: string;
  /** A shared-signals receiver asking for verification events more often than this is answered 429. */
  ssfMinVerificationIntervalMs: number;
}

/** The file layer: the same keys as `Config`, durations and lists as text. Environment wins over it. */
const ENV_KEYS: Record<string, keyof FileConfig> = {
  PORT: 'port',
  HOST: 'host',
  TIDINGS_DATA_DIR: 'dataDir',
  TIDINGS_SQLITE_FSYNC: 'sqliteFsync',
  DATABASE_URL: 'databaseUrl',
  TIDINGS_ADMIN_TOKEN: 'adminToken',
  TIDINGS_ALLOW_INSECURE_ENDPOINTS: 'allowInsecureEndpoints',
  TIDINGS_ALLOWED_ENDPOINT_RANGES: 'allowedEndpointRanges',
  TIDINGS_RETRY_SCHEDULE: 'retrySchedule',
  TIDINGS_PUSH_TIMEOUT: 'pushTimeoutMs',
  TIDINGS_PUSH_CONNECT_TIMEOUT: 'pushConnectTimeoutMs',
  TIDINGS_PUSH_CONCURRENCY: 'pushConcurrency',
  TIDINGS_PUSH_PROXY: 'pushProxy',
  TIDINGS_DISABLE_AFTER: 'disableAfterFailingMs',
  TIDINGS_ENDPOINT_FAILING_AFTER: 'endpointFailingAfterMs',
  TIDINGS_ROLE: 'role',
  TIDINGS_WORKER_PORT: 'workerPort',
  TIDINGS_ISSUER: 'issuer',
  TIDINGS_WORKFLOW_FILES: 'workflowFiles',
  TIDINGS_BODY_LIMIT: 'bodyLimitBytes',
  TIDINGS_REQUEST_TIMEOUT: 'requestTimeoutMs',
  TIDINGS_HEADERS_TIMEOUT: 'headersTimeoutMs',
  TIDINGS_KEEP_ALIVE_TIMEOUT: 'keepAliveTimeoutMs',
  TIDINGS_RETENTION_DAYS: 'retentionDays',
  TIDINGS_LOG_LEVEL: 'logLevel',
  TIDINGS_LOG_FORMAT: 'logFormat',
  TIDINGS_TIMER_INTERVAL: 'timerIntervalMs',
  TIDINGS_DB_POOL_SIZE: 'dbPoolSize',
  TIDINGS_DB_STATEMENT_TIMEOUT: 'dbStatementTimeoutMs',
  TIDINGS_DB_QUERY_TIMEOUT: 'dbQueryTimeoutMs',
  TIDINGS_DB_CONNECT_TIMEOUT: 'dbConnectTimeoutMs',
  TIDINGS_DB_KEEPALIVE_DELAY: 'dbKeepAliveDelayMs',
  TIDINGS_KEY_ENCRYPTION_KEY: 'keyEncryptionKey',
  TIDINGS_KEY_ENCRYPTION_KEYS: 'keyEncryptionKeys',
  TIDINGS_KEY_OVERLAP: 'keyOverlapMs',
  TIDINGS_CONSOLE_FRAME_ORIGINS: 'consoleFrameOrigins',
  TIDINGS_KEY_PUBLISH_LEAD: 'keyPublishLeadMs',
  // The OpenTelemetry names, so a deployment's usual OTel environment works as is.
  OTEL_EXPORTER_OTLP_ENDPOINT: 'otlpEndpoint',
  OTEL_SERVICE_NAME: 'otelServiceName',
  TIDINGS_SSF_MIN_VERIFICATION_INTERVAL: 'ssfMinVerificationIntervalMs',
};

type FileConfig = { [K in keyof Config]?: unknown };

export const DEFAULTS = {
  port: 8080,
  host: '127.0.0.1',
  dataDir: './data',
  sqliteFsync: 'off-loop',
  databaseUrl: null,
  adminToken: null,
  allowInsecureEndpoints: false,
  allowedEndpointRanges: [],
  retrySchedule: '5s,5m,30m,2h,5h,10h,10h',
  pushTimeoutMs: '30s',
  pushConnectTimeoutMs: '10s',
  pushConcurrency: 64,
  pushProxy: null,
  disableAfterFailingMs: '5d',
  endpointFailingAfterMs: '1h',
  role: 'all',
  workerPort: null,
  issuer: null,
  workflowFiles: [],
  bodyLimitBytes: 1_048_576,
  requestTimeoutMs: '30s',
  headersTimeoutMs: '10s',
  keepAliveTimeoutMs: '72s',
  retentionDays: 90,
  logLevel: 'info',
  logFormat: 'auto',
  timerIntervalMs: '1s',
  dbPoolSize: 10,
  dbStatementTimeoutMs: '10s',
  dbQueryTimeoutMs: '12s',
  dbConnectTimeoutMs: '5s',
  dbKeepAliveDelayMs: '10s',
  keyEncryptionKey: null,
  keyEncryptionKeys: [],
  keyOverlapMs: '7d',
  consoleFrameOrigins: [],
  keyPublishLeadMs: '1h',
  otlpEndpoint: null,
  otelServiceName: 'tidings',
  ssfMinVerificationIntervalMs: '10s',
} as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function readFileLayer(path: string): FileConfig {
  const text = readFileSync(resolve(path), 'utf8');
  const parsed: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`${path} must hold an object of settings`]);
  }
  const known = new Set(Object.keys(DEFAULTS));
  const unknown = Object.keys(parsed).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new ConfigError(unknown.map((k) => `${path}: unknown setting ${k}`));
  return parsed as FileConfig;
}

/**
 * Reads defaults, then the config file (`TIDINGS_CONFIG` or `configPath`), then
 * the environment, validates everything once and returns a frozen `Config`.
 * Throws `ConfigError` listing every problem at once.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, configPath?: string): Config {
  const filePath = configPath ?? env.TIDINGS_CONFIG;
  const raw: FileConfig = { ...DEFAULTS, ...(filePath ? readFileLayer(filePath) : {}) };
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const problems: string[] = [];
  const int = (key: keyof Config, min: number, max: number): number => {
    const value = typeof raw[key] === 'string' ? Number(raw[key]) : raw[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`${key} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw[key])})`);
      return min;
    }
    return value;
  };
  /** A duration in ms, within `range` when given (`[min, max, as shown in the message]`). */
  const ms = (key: keyof Config, range?: [number, number, string]): number => {
    const value = raw[key];
    // a bare 0 is zero in any unit (the docs' "0: off")
    const duration = (v: string) => (v.trim() === '0' ? 0 : parseDuration(v));
    const parsed = typeof value === 'number' ? value : typeof value === 'string' ? duration(value) : null;
    const [min, max] = range ?? [0, Number.POSITIVE_INFINITY];
    if (parsed === null || parsed < min || parsed > max) {
      const within = range ? `, from ${range[2]}` : '';
      problems.push(`${key} must be a duration like 500ms, 5s, 2h${within} (got ${JSON.stringify(value)})`);
      return min;
    }
    return parsed;
  };
  const text = (key: keyof Config): string | null => {
    const value = raw[key];
    if (value === null || value === undefined) return null;
    if (typeof value !== 'string') problems.push(`${key} must be text`);
    return String(value);
  };
  const bool = (key: keyof Config): boolean => {
    const value = raw[key];
    if (typeof value === 'boolean') return value;
    if (value === '1' || value === 'true') return true;
    if (value === '0' || value === 'false') return false;
    problems.push(`${key} must be 1/0 or true/false`);
    return false;
  };
  const list = (key: keyof Config): string[] => {
    const value = raw[key];
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
    if (typeof value === 'string')
      return value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    problems.push(`${key} must be a list of text or a comma-separated text`);
    return [];
  };

  const port = int('port', 0, 65_535);
  const workerPort = raw.workerPort === null ? null : int('workerPort', 0, 65_535);
  const host = text('host') ?? '127.0.0.1';
  const databaseUrl = text('databaseUrl');
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('databaseUrl must be a postgres:// URL');
  }
  const role = text('role') as Role;
  if (!ROLES.includes(role)) problems.push(`role must be one of ${ROLES.join(', ')}`);
  const logLevel = text('logLevel') as Config['logLevel'];
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push('logLevel must be fatal, error, warn, info, debug, trace or silent');
  }
  const sqliteFsync = text('sqliteFsync') as FsyncMode;
  if (!FSYNC_MODES.includes(sqliteFsync)) problems.push('sqliteFsync must be off-loop or commit');
  const logFormat = text('logFormat') as Config['logFormat'];
  if (!['auto', 'json', 'pretty'].includes(logFormat)) problems.push('logFormat must be auto, json or pretty');
  const schedule = parseRetrySchedule(list('retrySchedule'));
  if (!schedule.ok) problems.push(...schedule.problems.map((p) => `retrySchedule has ${p}`));
  const retrySchedule = schedule.ok ? schedule.delays : [];
  const allowedEndpointRanges = list('allowedEndpointRanges');
  for (const range of allowedEndpointRanges) {
    try {
      ipaddr.parseCIDR(range);
    } catch {
      problems.push(`allowedEndpointRanges has a malformed CIDR range ${JSON.stringify(range)} (like 10.20.0.0/16)`);
    }
  }
  const encryptionText = text('keyEncryptionKey');
  let keyEncryptionKey: Buffer | null = null;
  if (encryptionText !== null) {
    keyEncryptionKey = keyBytes(encryptionText);
    if (keyEncryptionKey.length !== 32) {
      problems.push('keyEncryptionKey must be 32 bytes, as 64 hex digits or base64');
      keyEncryptionKey = null;
    }
  }
  const keyEncryptionKeys: SealingKey[] = [];
  for (const entry of raw.keyEncryptionKeys === undefined ? [] : list('keyEncryptionKeys')) {
    const [id, key] = [entry.slice(0, entry.indexOf(':')), entry.slice(entry.indexOf(':') + 1)];
    const bytes = keyBytes(key);
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id) || bytes.length !== 32) {
      problems.push(
        'keyEncryptionKeys must be id:key entries, newest first: an id of 1-64 letters, digits, . _ or -, and 32 bytes as 64 hex digits or base64',
      );
    } else if (keyEncryptionKeys.some((k) => k.id === id)) {
      problems.push(`keyEncryptionKeys names the key ${id} twice`);
    } else {
      keyEncryptionKeys.push({ id, key: bytes });
    }
  }
  if (keyEncryptionKey !== null && keyEncryptionKeys.length > 0) {
    problems.push('set keyEncryptionKeys or keyEncryptionKey, not both (the single key is the list default:KEY)');
  }
  if (keyEncryptionKey !== null && keyEncryptionKeys.length === 0) {
    keyEncryptionKeys.push({ id: 'default', key: keyEncryptionKey });
  }
  const consoleFrameOrigins = list('consoleFrameOrigins');
  for (const origin of consoleFrameOrigins) {
    // Only a bare origin may go into the CSP header: anything else could inject directives.
    if (!/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(origin)) {
      problems.push(
        `consoleFrameOrigins must be origins like https://portal.example.com (got ${JSON.stringify(origin)})`,
      );
    }
  }
  const pushProxy = text('pushProxy');
  if (pushProxy !== null && !/^https?:\/\/[^/]/.test(pushProxy))
    problems.push('pushProxy must be an http:// or https:// URL');
  const otlpEndpoint = text('otlpEndpoint');
  if (otlpEndpoint !== null && !/^https?:\/\/[^/]/.test(otlpEndpoint))
    problems.push('otlpEndpoint must be an http:// or https:// URL');
  const issuer = text('issuer') ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const config: Config = {
    port,
    host,
    dataDir: text('dataDir') ?? './data',
    sqliteFsync,
    databaseUrl,
    adminToken: text('adminToken'),
    allowInsecureEndpoints: bool('allowInsecureEndpoints'),
    allowedEndpointRanges,
    retrySchedule,
    pushTimeoutMs: ms('pushTimeoutMs', [100, 600_000, '100ms to 10m']),
    pushConnectTimeoutMs: ms('pushConnectTimeoutMs', [100, 600_000, '100ms to 10m']),
    pushConcurrency: int('pushConcurrency', 1, 1024),
    pushProxy,
    disableAfterFailingMs: ms('disableAfterFailingMs', [60_000, 365 * 86_400_000, '1m to 365d']),
    endpointFailingAfterMs: ms('endpointFailingAfterMs', [0, 365 * 86_400_000, '0s to 365d']),
    role,
    workerPort,
    issuer,
    workflowFiles: list('workflowFiles'),
    bodyLimitBytes: int('bodyLimitBytes', 1024, 64 * 1_048_576),
    requestTimeoutMs: ms('requestTimeoutMs', [500, 600_000, '500ms to 10m']),
    headersTimeoutMs: ms('headersTimeoutMs', [500, 600_000, '500ms to 10m']),
    keepAliveTimeoutMs: ms('keepAliveTimeoutMs', [500, 600_000, '500ms to 10m']),
    retentionDays: int('retentionDays', 1, 36_500),
    logLevel,
    logFormat,
    timerIntervalMs: ms('timerIntervalMs'),
    dbPoolSize: int('dbPoolSize', 1, 1000),
    dbStatementTimeoutMs: ms('dbStatementTimeoutMs', [10, 3_600_000, '10ms to 1h']),
    dbQueryTimeoutMs: ms('dbQueryTimeoutMs', [100, 3_600_000, '100ms to 1h']),
    dbConnectTimeoutMs: ms('dbConnectTimeoutMs', [100, 600_000, '100ms to 10m']),
    dbKeepAliveDelayMs: ms('dbKeepAliveDelayMs', [0, 3_600_000, '0 to 1h']),
    keyEncryptionKey,
    keyEncryptionKeys,
    keyOverlapMs: ms('keyOverlapMs'),
    consoleFrameOrigins,
    keyPublishLeadMs: ms('keyPublishLeadMs', [0, 30 * 86_400_000, '0 to 30d']),
    otlpEndpoint,
    otelServiceName: text('otelServiceName') ?? 'tidings',
    ssfMinVerificationIntervalMs: ms('ssfMinVerificationIntervalMs', [0, 86_400_000, '0 to 1d']),
  };
  if (config.keyPublishLeadMs >= config.keyOverlapMs) {
    problems.push(
      'keyPublishLeadMs must be shorter than keyOverlapMs: the key a new one replaces signs until the lead ends',
    );
  }
  // The server's cancel should come first: it keeps the connection, where the
  // client's timeout has to drop it (the answer may still be on its way).
  if (config.dbStatementTimeoutMs >= config.dbQueryTimeoutMs)
    problems.push('dbStatementTimeoutMs must be shorter than dbQueryTimeoutMs');
  // node refuses to start a server whose headers may take longer than the whole request.
  if (config.headersTimeoutMs > config.requestTimeoutMs)
    problems.push('headersTimeoutMs must be at most requestTimeoutMs');
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** A key given as 64 hex digits or as base64. */
function keyBytes(text: string): Buffer {
  return /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
}
