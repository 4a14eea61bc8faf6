import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config/config.js';

/** The version in package.json (dist/src/cli/ → the package root). */
export function tidingsVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Where the data lives, without a password a DATABASE_URL may carry. */
export function storageLocation(config: Pick<Config, 'databaseUrl' | 'dataDir'>): string {
  if (config.databaseUrl === null) return `SQLite, data in ${resolve(config.dataDir, 'tidings.sqlite')}`;
  const url = new URL(config.databaseUrl);
  if (url.password !== '') url.password = '***';
  return `PostgreSQL at ${url.toString()}`;
}

/** The URL a person opens: a wildcard listen address is reached through the loopback one. */
export function baseUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

export interface BannerFacts {
  version: string;
  role: Config['role'];
  storage: string;
  /** null for a worker without TIDINGS_WORKER_PORT, which does not listen. */
  url: string | null;
  hasTenant: boolean;
}

/** What `tidings serve` prints on a terminal before its log lines: what runs, where, and what to do next. */
export function formatBanner(facts: BannerFacts): string {
  const lines = ['', `Tidings ${facts.version}  (${facts.role === 'all' ? 'API and workers' : facts.role})`];
  lines.push(`  storage   ${facts.storage}`);
  if (facts.url !== null && facts.role !== 'worker') {
    lines.push(`  console   ${facts.url}/console`);
    lines.push(`  API docs  ${facts.url}/docs`);
  }
  if (facts.url !== null) lines.push(`  health    ${facts.url}/healthz`);
  if (facts.url !== null && facts.role === 'worker') lines.push(`  metrics   ${facts.url}/metrics`);
  lines.push('');
  if (!facts.hasTenant) lines.push('  First tenant and API key:   npx tidings tenants create "My Company"');
  lines.push('  A push delivered end to end: npx tidings quickstart');
  lines.push('  Stop with Ctrl+C.');
  return `${lines.join('\n')}\n\n`;
}
