import type { ErrorItem } from '../errors/tidings-error.js';
import { FIT_EVENT_URI_BASE } from '../formats/set.js';

/**
 * Pure parsing of the pull routes' query strings. Values arrive as text (seed
 * 003 documents `count` as a string); every bad value becomes one
 * `WrongFieldValue` item naming the field.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const FEED_FORMATS = ['native', 'vendor', 'set'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export interface FeedQuery {
  afterEventId: string | null;
  count: number;
  format: FeedFormat;
  workflow?: string;
  type?: string;
}

export interface LogQuery {
  offset: number;
  limit: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: ErrorItem[] };

const present = (value: string | undefined): value is string => value !== undefined && value !== '';

function wholeNumber(
  errors: ErrorItem[],
  field: string,
  raw: string | undefined,
  min: number,
  max: number,
  fallback: number,
): number {
  if (!present(raw)) return fallback;
  if (/^\d{1,10}$/.test(raw)) {
    const n = Number(raw);
    if (n >= min && n <= max) return n;
  }
  errors.push({
    code: 'WrongFieldValue',
    message: `${field} should be a whole number from ${min} to ${max}`,
    target: field,
  });
  return fallback;
}

/** `GET /v1/events`: afterEventId (UUID), count 1..100 (default 30), format, workflow, type. */
export function parseFeedQuery(raw: Readonly<Record<string, string | undefined>>): Parsed<FeedQuery> {
  const errors: ErrorItem[] = [];
  const count = wholeNumber(errors, 'count', raw.count, 1, 100, 30);
  let afterEventId: string | null = null;
  if (present(raw.afterEventId)) {
    if (UUID.test(raw.afterEventId)) afterEventId = raw.afterEventId.toLowerCase();
    else errors.push({ code: 'WrongFieldValue', message: 'afterEventId should be a GUID', target: 'afterEventId' });
  }
  const format = (raw.format ?? 'vendor') as FeedFormat;
  if (!FEED_FORMATS.includes(format)) {
    errors.push({
      code: 'WrongFieldValue',
      message: `format should be one of ${FEED_FORMATS.join(', ')}`,
      target: 'format',
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  const type = present(raw.type) ? normaliseType(raw.type) : undefined;
  return {
    ok: true,
    value: {
      afterEventId,
      count,
      format,
      ...(present(raw.workflow) ? { workflow: raw.workflow } : {}),
      ...(type !== undefined ? { type } : {}),
    },
  };
}

/** The SET logs: offset >= 0 (default 0), limit 1..500 (default 100; 500 is seed 002's maximum). */
export function parseLogQuery(raw: Readonly<Record<string, string | undefined>>): Parsed<LogQuery> {
  const errors: ErrorItem[] = [];
  const offset = wholeNumber(errors, 'offset', raw.offset, 0, 1_000_000_000, 0);
  const limit = wholeNumber(errors, 'limit', raw.limit, 1, 500, 100);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { offset, limit } };
}

/** A FIT-Connect event URI names the same type as its short name. */
export function normaliseType(type: string): string {
  return type.startsWith(FIT_EVENT_URI_BASE) ? type.slice(FIT_EVENT_URI_BASE.length) : type;
}

/**
 * `GET /v1/events/latest`: the feed's parameters (count, format, workflow,
 * type) and `beforeEventId` (UUID) instead of `afterEventId`.
 */
export function parseNewestQuery(
  raw: Readonly<Record<string, string | undefined>>,
): Parsed<Omit<FeedQuery, 'afterEventId'> & { beforeEventId: string | null }> {
  const { beforeEventId, ...rest } = raw;
  const feed = parseFeedQuery(rest);
  const errors = feed.ok ? [] : [...feed.errors];
  let before: string | null = null;
  if (present(beforeEventId)) {
    if (UUID.test(beforeEventId)) before = beforeEventId.toLowerCase();
    else errors.push({ code: 'WrongFieldValue', message: 'beforeEventId should be a GUID', target: 'beforeEventId' });
  }
  if (!feed.ok || errors.length > 0) return { ok: false, errors };
  const { afterEventId: _none, ...value } = feed.value;
  return { ok: true, value: { ...value, beforeEventId: before } };
}
