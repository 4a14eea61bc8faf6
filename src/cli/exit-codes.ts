/**
 * Exit codes of the commands that talk to a server, documented in
 * docs/cli.md so scripts can branch on them. 0 and 2 keep the meaning the
 * local commands already give them.
 */
export const EXIT = {
  ok: 0,
  /** The server refused the operation (a 4xx other than those below, a 5xx), or `verify` found a bad request. */
  failed: 1,
  /** Bad arguments or a missing setting (`--url`, `--api-key`). */
  usage: 2,
  /** The server could not be reached. */
  unreachable: 3,
  /** The API key was refused (401) or lacks the scope (403). */
  unauthorized: 4,
  /** The subject, endpoint or delivery does not exist (404). */
  notFound: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
