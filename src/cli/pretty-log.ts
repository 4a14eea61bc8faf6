import { Writable } from 'node:stream';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[31m' };
/** pino's own fields, shown in the line's head or not at all. */
const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v', 'reqId', 'req', 'res', 'err']);

/**
 * One pino JSON line as one line a person reads on a terminal:
 * `12:04:05 INFO  tidings started  role=all storage=sqlite`. Request lines
 * become `GET /v1/workflows 200 3ms`; an error adds its message (the stack
 * stays in JSON mode, where it is machine-read). A line that is not JSON is
 * passed through as it is.
 */
export function formatLogLine(line: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '';
  const name = (LEVELS[level] ?? String(level)).padEnd(5);
  const head = color && COLORS[level] ? `${COLORS[level]}${name}\x1b[0m` : name;
  const parts = [time, head, String(entry.msg ?? '')];
  const req = entry.req as { method?: string; url?: string } | undefined;
  if (req?.method) parts.push(`${req.method} ${req.url ?? ''}`);
  const res = entry.res as { statusCode?: number } | undefined;
  if (res?.statusCode) parts.push(String(res.statusCode));
  const err = entry.err as { message?: string; code?: string } | undefined;
  if (err?.message) parts.push(`error: ${err.message}${err.code ? ` (${err.code})` : ''}`);
  const fields = Object.entries(entry)
    .filter(([key]) => !OMIT.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  if (fields.length > 0) parts.push(fields.join(' '));
  return parts.filter((p) => p !== '').join('  ');
}

/** A stream for pino that writes each entry as `formatLogLine` to `out`. */
export function prettyLogStream(out: NodeJS.WritableStream & { isTTY?: boolean }): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line !== '') out.write(`${formatLogLine(line, out.isTTY === true)}\n`);
      done();
    },
  });
}
