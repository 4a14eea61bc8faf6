/**
 * The worker thread that evaluates endpoint transformations: one request at a
 * time, each with JSONata's guardrails; the parent bounds its heap and
 * terminates it when an answer is late (`transform-runner.ts`).
 */
import { parentPort } from 'node:worker_threads';
import jsonata from 'jsonata';
import type { TransformAnswer, TransformLimits, TransformRequest } from './transform-limits.js';

/** JSONata errors are plain objects with a `code` (`D1012`: timeout, `D1011`: depth, `D2015`: sequence). */
function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error) {
    const e = error as { code: string; message?: string; position?: number };
    const at = typeof e.position === 'number' ? ` at position ${e.position}` : '';
    return `${e.code}${at}: ${String(e.message ?? '').slice(0, 200)}`;
  }
  return error instanceof Error ? error.message.slice(0, 200) : String(error).slice(0, 200);
}

async function evaluate(text: string, input: unknown, limits: TransformLimits): Promise<unknown> {
  const expression = jsonata(text, {
    timeout: limits.timeoutMs,
    stack: limits.maxDepth,
    sequence: limits.maxSequence,
  });
  return expression.evaluate(input);
}

function headerValue(name: string, value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    const text = String(value);
    if (/^[\x20-\x7E\t]*$/.test(text) && text.length <= 4096) return text;
    throw new Error(`header ${name} evaluated to text a header cannot carry`);
  }
  throw new Error(
    `header ${name} evaluated to ${value === undefined ? 'nothing' : 'a value that is not text, a number or a boolean'}`,
  );
}

async function answer(request: TransformRequest): Promise<TransformAnswer> {
  const { id, limits, expressions } = request;
  try {
    const input = JSON.parse(request.body) as unknown;
    let body: string | null = null;
    if (expressions.body !== undefined) {
      const result = await evaluate(expressions.body, input, limits);
      if (result === undefined) throw new Error('the body expression evaluated to nothing');
      body = JSON.stringify(result);
      if (body.length > limits.maxOutputChars) {
        throw new Error(`the transformed body is longer than ${limits.maxOutputChars} characters`);
      }
    }
    const headers: Record<string, string> = {};
    for (const [name, text] of Object.entries(expressions.headers ?? {})) {
      headers[name.toLowerCase()] = headerValue(name, await evaluate(text, input, limits));
    }
    return { id, ok: true, body, headers };
  } catch (error) {
    return { id, ok: false, message: describe(error) };
  }
}

parentPort?.on('message', (request: TransformRequest) => {
  void answer(request).then((reply) => parentPort?.postMessage(reply));
});
// Loaded: the parent's deadline counts from here, not from a boot slowed by a loaded machine.
parentPort?.postMessage('ready');
