import { type FilterNode, parseFilter } from './parse-filter.js';

/**
 * Parsed filters by their text, so the fan-out parses each endpoint's filter
 * once, not once per event. Endpoints are few and filters change rarely;
 * the map is emptied when it outgrows `MAX_CACHED` (a busy edit loop).
 */
const cache = new Map<string, FilterNode>();
const MAX_CACHED = 10_000;

/** The parsed filter; throws `FilterSyntaxError` for text the API would have refused. */
export function compiledFilter(text: string): FilterNode {
  let node = cache.get(text);
  if (!node) {
    node = parseFilter(text);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(text, node);
  }
  return node;
}
