import pretty from 'pino-pretty';

/** Fields shown in the line's head (or not at all) rather than in its trailing JSON. */
const IGNORED = 'pid,hostname,reqId,req,res,responseTime,err';

interface LogEntry {
  msg?: unknown;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  err?: { message?: string; code?: string };
}

/**
 * The message part of a readable line: the message, then what a person looks
 * for in a request or error entry (`GET /v1/workflows 200 3ms`,
 * `error: boom (E1)`). The error's stack stays in JSON mode, where it is read
 * by machines.
 */
export function describeEntry(entry: LogEntry): string {
  const parts = [String(entry.msg ?? '')];
  if (entry.req?.method) parts.push(`${entry.req.method} ${entry.req.url ?? ''}`);
  if (entry.res?.statusCode) parts.push(String(entry.res.statusCode));
  if (typeof entry.responseTime === 'number') parts.push(`${Math.round(entry.responseTime)}ms`);
  if (entry.err?.message) parts.push(`error: ${entry.err.message}${entry.err.code ? ` (${entry.err.code})` : ''}`);
  return parts.filter((p) => p !== '').join('  ');
}

/**
 * A pino destination that writes each entry as one line a person reads on a
 * terminal (pino-pretty, single-line): `[12:04:05] INFO: tidings started
 * {"role":"all","storage":"sqlite"}`. Colour only when `out` is a terminal.
 */
export function prettyLogStream(out: NodeJS.WritableStream & { isTTY?: boolean }) {
  return pretty({
    destination: out,
    colorize: out.isTTY === true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: IGNORED,
    messageFormat: (entry) => describeEntry(entry as LogEntry),
    sync: true,
  });
}
