#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, ROLES, type Role } from '../config/config.js';
import { keys, migrate, openapi, tenants, UsageError, workflows } from './commands.js';
import { quickstart } from './quickstart.js';
import { isRemoteCommand, runRemoteCommand } from './remote-commands.js';
import { serve } from './serve.js';
import { StartError } from './start-error.js';
import { USAGE } from './usage.js';

async function main(argv: string[]): Promise<number> {
  if (isRemoteCommand(argv[0])) {
    return runRemoteCommand(argv, {
      TIDINGS_URL: process.env.TIDINGS_URL,
      TIDINGS_API_KEY: process.env.TIDINGS_API_KEY,
    });
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      role: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (values.role !== undefined && !ROLES.includes(values.role as Role)) {
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  }
  const env = { ...process.env };
  if (values.role !== undefined) env.TIDINGS_ROLE = values.role;
  if (values.port !== undefined) env.PORT = values.port;
  if (values.host !== undefined) env.HOST = values.host;
  const config = loadConfig(env, values.config);

  let result: { out: string; code: number };
  switch (command) {
    case 'serve':
      if (rest.length > 0) throw new UsageError('usage: tidings serve [--role all|api|worker]');
      await serve(config);
      return -1; // keeps running
    case 'migrate':
      result = await migrate(config);
      break;
    case 'tenants':
      result = await tenants(config, rest);
      break;
    case 'workflows':
      result = workflows(config, rest);
      break;
    case 'keys':
      result = await keys(config, rest);
      break;
    case 'openapi':
      result = await openapi(config);
      break;
    case 'quickstart':
      result = await quickstart(config);
      break;
    default:
      throw new UsageError(`unknown command ${command}; see tidings help`);
  }
  process.stdout.write(`${result.out}\n`);
  return result.code;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`tidings: ${(error as Error).message}\n`);
      process.exitCode = 2;
    } else if (error instanceof StartError) {
      process.stderr.write(`tidings: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`tidings: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
