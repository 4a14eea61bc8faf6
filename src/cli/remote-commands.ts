import type { CliEnv, CliIo } from './cli-options.js';
import { UsageError } from './commands.js';
import { DELIVERIES_USAGE, deliveries } from './deliveries-command.js';
import { ENDPOINTS_USAGE, endpoints } from './endpoints-command.js';
import { EVENTS_USAGE, events } from './events-command.js';
import { EXIT } from './exit-codes.js';
import { LISTEN_USAGE, listen } from './listen-command.js';
import { describeFailure } from './remote-errors.js';
import { REPLAY_USAGE, replay } from './replay-command.js';
import { SUBJECTS_USAGE, subjects } from './subjects-command.js';
import { VERIFY_USAGE, verify } from './verify-command.js';

/** The commands that talk to a running server over its API (or, `verify`, to nothing). */
const REMOTE = {
  listen: (args: string[], env: CliEnv, io: CliIo) => listen(args, env, io),
  events: (args: string[], env: CliEnv, io: CliIo) => events(args, env, io),
  subjects: (args: string[], env: CliEnv, io: CliIo) => subjects(args, env, io),
  endpoints: (args: string[], env: CliEnv, io: CliIo) => endpoints(args, env, io),
  deliveries: (args: string[], env: CliEnv, io: CliIo) => deliveries(args, env, io),
  replay: (args: string[], env: CliEnv, io: CliIo) => replay(args, env, io),
  verify: (args: string[], _env: CliEnv, io: CliIo) => verify(args, io),
} as const;

const USAGES: Record<keyof typeof REMOTE, string> = {
  listen: LISTEN_USAGE,
  events: EVENTS_USAGE,
  subjects: SUBJECTS_USAGE,
  endpoints: ENDPOINTS_USAGE,
  deliveries: DELIVERIES_USAGE,
  replay: REPLAY_USAGE,
  verify: VERIFY_USAGE,
};

export function isRemoteCommand(name: string | undefined): name is keyof typeof REMOTE {
  return name !== undefined && Object.hasOwn(REMOTE, name);
}

/**
 * Runs a server-facing command with its own flags; a failed call becomes a
 * message on stderr that says what to do, and an exit code from exit-codes.ts.
 * Usage errors are left to main.ts (exit 2, like the local commands).
 */
export async function runRemoteCommand(argv: string[], env: CliEnv): Promise<number> {
  const [name, ...args] = argv;
  if (!isRemoteCommand(name)) throw new UsageError(`unknown command ${name}`);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGES[name]}\n`);
    return EXIT.ok;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const io: CliIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    signal: stop.signal,
  };
  try {
    return await REMOTE[name](args, env, io);
  } catch (error) {
    const failure = describeFailure(error);
    if (!failure) throw error;
    io.err(`tidings ${name}: ${failure.message}`);
    return failure.code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export { EXIT };
