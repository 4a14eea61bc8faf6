import { parseArgs } from 'node:util';
import { createClient, type TidingsClient } from '@tidings/sdk/client';
import { UsageError } from './commands.js';

/** The flags every server-facing command takes. */
export const CONNECTION_FLAGS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Where output goes; tests and commands write through it, never to process.stdout directly. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Ends a long-running command (listen, tail --follow): Ctrl-C. */
  signal: AbortSignal;
}

/** A server-facing command's context: the connection, the output mode and the client. */
export interface RemoteContext {
  url: string;
  apiKey: string;
  json: boolean;
  client: TidingsClient;
  io: CliIo;
}

/** The environment variables the CLI reads, passed in by main.ts (nothing else reads the environment). */
export interface CliEnv {
  TIDINGS_URL?: string | undefined;
  TIDINGS_API_KEY?: string | undefined;
}

type Flags = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/** Parses a command's flags (the connection flags included) and positionals, strictly. */
export function parseCommand<F extends Flags>(args: string[], flags: F) {
  return parseArgs({ args, allowPositionals: true, strict: true, options: { ...CONNECTION_FLAGS, ...flags } });
}

/**
 * `--url` / `TIDINGS_URL` and `--api-key` / `TIDINGS_API_KEY`, flags first.
 * A missing or malformed one is a usage error that says how to give it.
 */
export function connect(values: { url?: unknown; 'api-key'?: unknown; json?: unknown }, env: CliEnv, io: CliIo) {
  const url = (values.url as string | undefined) ?? env.TIDINGS_URL ?? 'http://127.0.0.1:8080';
  const apiKey = (values['api-key'] as string | undefined) ?? env.TIDINGS_API_KEY;
  if (!/^https?:\/\/[^\s]+$/.test(url)) {
    throw new UsageError(`--url must be an http(s) URL such as http://127.0.0.1:8080 (got ${JSON.stringify(url)})`);
  }
  if (!apiKey) {
    throw new UsageError(
      'no API key: pass --api-key tdk_... or set TIDINGS_API_KEY (tidings tenants create NAME prints one)',
    );
  }
  const context: RemoteContext = {
    url: url.replace(/\/+$/, ''),
    apiKey,
    json: values.json === true,
    client: createClient({ url, apiKey }),
    io,
  };
  return context;
}

/** A duration or a time as the commands accept them: an ISO 8601 time, or `15m` / `2h` / `1d` ago. */
export function parseSince(text: string, now: Date = new Date()): string {
  const ago = /^(\d+)(s|m|h|d)$/.exec(text);
  if (ago) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(ago[1]) * unit).toISOString();
  }
  const at = Date.parse(text);
  if (Number.isNaN(at))
    throw new UsageError(`--since takes an ISO time (2026-01-15T10:00:00Z) or an age (30m, 2h, 1d)`);
  return new Date(at).toISOString();
}
