/**
 * Bounds on one endpoint transformation (docs/filters-and-transformations.md).
 * JSONata's own guardrails (`timeout`, `stack`, `sequence`) stop most
 * hostile expressions inside the worker; the worker's heap limit and its
 * termination at `hardTimeoutMs` stop the rest (a regular expression that
 * backtracks, a string doubled until the heap is full).
 */
export interface TransformLimits {
  /** JSONata's own time check, between evaluation steps. */
  timeoutMs: number;
  /** The worker is terminated when an answer takes longer than this (a step that never yields). */
  hardTimeoutMs: number;
  /** JSONata's evaluation depth (recursion) at most. */
  maxDepth: number;
  /** Items of one JSONata sequence at most. */
  maxSequence: number;
  /** The transformed body, as UTF-16 code units of its JSON text, at most. */
  maxOutputChars: number;
  /** The worker's V8 heap (old generation), in MB. */
  heapMb: number;
}

export const DEFAULT_TRANSFORM_LIMITS: TransformLimits = {
  timeoutMs: 250,
  hardTimeoutMs: 2000,
  maxDepth: 200,
  maxSequence: 100_000,
  maxOutputChars: 1024 * 1024,
  heapMb: 64,
};

/** What the worker is asked: the rendered body and the endpoint's expressions. */
export interface TransformRequest {
  id: number;
  body: string;
  expressions: { body?: string; headers?: Record<string, string> };
  limits: TransformLimits;
}

export type TransformAnswer =
  | { id: number; ok: true; body: string | null; headers: Record<string, string> }
  | { id: number; ok: false; message: string };
