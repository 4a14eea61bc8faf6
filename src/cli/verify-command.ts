import { readFileSync } from 'node:fs';
import { TidingsSdkError, verifyWebhook, type WebhookKey } from '@tidings/sdk';
import type { CliIo } from './cli-options.js';
import { parseCommand } from './cli-options.js';
import { UsageError } from './commands.js';
import { EXIT } from './exit-codes.js';

export const VERIFY_USAGE =
  'usage: tidings verify --request FILE --secret whsec_...|whpk_... [--secret ...] [--header NAME=VALUE] [--tolerance SECONDS] [--json]\n' +
  '       FILE: JSON {"headers": {...}, "body": "..."} or a raw HTTP request (request line, headers, blank line, body)';

interface SavedRequest {
  headers: Record<string, string>;
  body: string;
}

/** A saved request: JSON `{headers, body}`, or the raw HTTP text a proxy or `nc -l` captured. */
export function readSavedRequest(text: string): SavedRequest {
  try {
    const parsed = JSON.parse(text) as Partial<SavedRequest>;
    if (parsed && typeof parsed.body === 'string' && typeof parsed.headers === 'object' && parsed.headers !== null) {
      return { headers: parsed.headers, body: parsed.body };
    }
  } catch {
    // not JSON: read it as an HTTP message
  }
  const split = text.search(/\r?\n\r?\n/);
  if (split < 0) throw new UsageError('the request file is neither JSON {headers, body} nor an HTTP message');
  const head = text.slice(0, split).split(/\r?\n/);
  const body = text.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.slice(/^[A-Z]+ \S+ HTTP\//.test(head[0] ?? '') ? 1 : 0)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

/**
 * `tidings verify`: checks a saved push against secrets and says which check
 * fails: headers present, timestamp within the tolerance, signature (and the
 * shared-secret header with `--header`). The signature is checked even when
 * the timestamp is stale, so an old capture still tells whether the secret is right.
 */
export async function verify(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    request: { type: 'string' },
    secret: { type: 'string', multiple: true },
    header: { type: 'string' },
    tolerance: { type: 'string' },
  });
  const secrets = (values.secret ?? []) as string[];
  if (positionals.length > 0 || !values.request || (secrets.length === 0 && !values.header)) {
    throw new UsageError(VERIFY_USAGE);
  }
  let text: string;
  try {
    text = readFileSync(values.request, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${values.request}`);
  }
  const request = readSavedRequest(text);
  const tolerance = Number(values.tolerance ?? 300);
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new UsageError('--tolerance is a number of seconds');
  const checks: Check[] = [];
  const run = async (check: string, keys: WebhookKey[], toleranceSeconds: number, pass: string) => {
    try {
      await verifyWebhook(request, keys, { toleranceSeconds });
      checks.push({ check, ok: true, detail: pass });
    } catch (error) {
      if (!(error instanceof TidingsSdkError)) throw error;
      checks.push({ check, ok: false, detail: `${error.code}: ${error.message}` });
    }
  };
  if (values.header) {
    const eq = values.header.indexOf('=');
    if (eq <= 0) throw new UsageError('--header is NAME=VALUE');
    const key = { type: 'header' as const, name: values.header.slice(0, eq), value: values.header.slice(eq + 1) };
    await run('shared-secret header', [key], tolerance, `${key.name} holds the secret`);
  }
  if (secrets.length > 0) {
    try {
      await run('signature', secrets, Number.MAX_SAFE_INTEGER, 'a signature in webhook-signature matches');
    } catch (error) {
      if (error instanceof TypeError) throw new UsageError(error.message);
      throw error;
    }
    const stamp = Number(request.headers['webhook-timestamp']);
    const age = Math.round(Date.now() / 1000 - stamp);
    const fresh = Number.isFinite(stamp) && Math.abs(age) <= tolerance;
    checks.push({
      check: 'timestamp',
      ok: fresh,
      detail: Number.isFinite(stamp)
        ? `${age} s old (tolerance ${tolerance} s)${fresh ? '' : ': a receiver would refuse it as a possible replay'}`
        : 'webhook-timestamp is missing or not a number',
    });
  }
  const ok = checks.every((c) => c.ok);
  if (values.json) io.out(JSON.stringify({ ok, checks }));
  else {
    for (const c of checks) io.out(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.check.padEnd(21)} ${c.detail}`);
    io.out(ok ? 'verified' : 'not verified');
  }
  return ok ? EXIT.ok : EXIT.failed;
}
