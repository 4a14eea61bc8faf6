import type { StoredEvent } from '../events/event.js';

/**
 * An event as the feed reads it for the native format: the row's own fields,
 * and its data and its subject's attributes (from the render snapshot) as the
 * JSON text they are stored as, never parsed.
 */
export interface NativeSource
  extends Pick<
    StoredEvent,
    'id' | 'sequence' | 'subjectId' | 'parentId' | 'workflow' | 'type' | 'from' | 'to' | 'occurredAt' | 'subjectVersion'
  > {
  /** `data` as stored: the text `JSON.stringify(event.data)` wrote at the commit. */
  dataJson: string;
  /** The snapshot subject's `attributes` as stored inside `render_context`. */
  attributesJson: string;
}

/**
 * Nesting a stored text may have for `nativeJson`: a text with more `[`/`{`
 * than this could nest deeper than `JSON.stringify` writes (~4,000 levels
 * overflow V8's stack), so `nativeFits` sends it to the object path, which
 * reports it as `too_deep` exactly as before. Requests are refused far below
 * this (`MAX_JSON_DEPTH`); only rows older than that limit can exceed it.
 */
const MAX_BRACKETS = 1_000;

/** Digits of a PostgreSQL `bigint`, as `native.ts` pads the sequence extension. */
const SEQUENCE_WIDTH = 19;

/** True when `text` has at most MAX_BRACKETS opening brackets: it cannot nest too deep to write. */
function shallow(text: string): boolean {
  if (text.length <= MAX_BRACKETS) return true;
  let brackets = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === 0x5b || c === 0x7b) && ++brackets > MAX_BRACKETS) return false;
  }
  return true;
}

/** Whether `nativeJson` may write this event (else render it as an object, as every other format). */
export function nativeFits(source: Pick<NativeSource, 'dataJson' | 'attributesJson'>): boolean {
  return shallow(source.dataJson) && shallow(source.attributesJson);
}

const text = JSON.stringify as (value: string) => string;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const SNAPSHOT_HEAD = '{"subject":{';
const ATTRIBUTES_KEY = '"attributes"';

/** The index after the string starting at `start` (a `"`), or -1 when it does not end. */
function stringEnd(json: string, start: number): number {
  let at = start;
  for (;;) {
    at = json.indexOf('"', at + 1);
    if (at < 0) return -1;
    let backslashes = 0;
    while (json.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at + 1;
  }
}

/** The index after the JSON value starting at `start`, or -1 when it is cut off. */
function valueEnd(json: string, start: number): number {
  const first = json.charCodeAt(start);
  if (first === QUOTE) return stringEnd(json, start);
  if (first !== 0x7b && first !== 0x5b) {
    // a number, true, false or null: up to the next delimiter
    let at = start;
    while (at < json.length && !',}]'.includes(json.charAt(at))) at++;
    return at > start ? at : -1;
  }
  let depth = 0;
  for (let at = start; at < json.length; at++) {
    const c = json.charCodeAt(at);
    if (c === QUOTE) {
      at = stringEnd(json, at) - 1;
      if (at < 0) return -1;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) return at + 1;
  }
  return -1;
}

/**
 * The text of `subject.attributes` inside a stored render snapshot's text
 * (`JSON.stringify` of `snapshotOf`'s result: `{"subject":{...,"attributes":...`),
 * found by walking the subject's members, without parsing the snapshot; null
 * when the text is not of that shape (the caller then parses it). Being a
 * piece of `JSON.stringify`'s output, it is what `JSON.stringify` writes for
 * the parsed attributes.
 * @example snapshotAttributesJson('{"subject":{"id":"a","attributes":{"pk":1}},"parent":null}') // '{"pk":1}'
 */
export function snapshotAttributesJson(snapshot: string): string | null {
  if (!snapshot.startsWith(SNAPSHOT_HEAD)) return null;
  let at = SNAPSHOT_HEAD.length;
  for (;;) {
    if (snapshot.charCodeAt(at) !== QUOTE) return null;
    const keyEnd = stringEnd(snapshot, at);
    if (keyEnd < 0 || snapshot.charCodeAt(keyEnd) !== COLON) return null;
    const isAttributes = keyEnd - at === ATTRIBUTES_KEY.length && snapshot.startsWith(ATTRIBUTES_KEY, at);
    const end = valueEnd(snapshot, keyEnd + 1);
    if (end < 0) return null;
    if (isAttributes) return snapshot.slice(keyEnd + 1, end);
    // the next member, or the subject's end: a snapshot without attributes renders as objects
    if (snapshot.charCodeAt(end) !== COMMA) return null;
    at = end + 1;
  }
}

/**
 * `JSON.stringify(renderNative(ctx))`, byte for byte, written as text: the
 * stored data and attributes go in as they are instead of being parsed into
 * objects and written out again. Both texts were written by `JSON.stringify`
 * (a fixed point of parse-then-stringify: same keys in the same order, same
 * number and string spelling), so the bytes are the object path's.
 * The feed's pages of 100 spent most of their time parsing and re-writing
 * these (bench `feed`, see bench/RESULTS.md).
 * Key order and spelling follow `renderNative` (`native.ts`); the test
 * `native-json.test.ts` holds the two together.
 * @example nativeJson(source, 'https://tidings.example').startsWith('{"specversion":"1.0","id":')
 */
export function nativeJson(e: NativeSource, issuer: string): string {
  const base = issuer.replace(/\/+$/, '');
  const from = e.from === null ? 'null' : text(e.from);
  return `{"specversion":"1.0","id":${text(e.id)},"source":${text(`${base}/workflows/${e.workflow}`)},"type":${text(
    `tidings.${e.workflow}.${e.type}`,
  )},"subject":${text(e.subjectId)},"time":${text(e.occurredAt)},"datacontenttype":"application/json","sequence":"${String(
    e.sequence,
  ).padStart(SEQUENCE_WIDTH, '0')}","eventtype":${text(e.type)},"workflow":${text(e.workflow)},"status":${text(e.to)}${
    e.from !== null ? `,"fromstatus":${from}` : ''
  },"subjectversion":${JSON.stringify(e.subjectVersion)}${
    e.parentId !== null ? `,"parentid":${text(e.parentId)}` : ''
  },"data":{"from":${from},"to":${text(e.to)},"data":${e.dataJson},"attributes":${e.attributesJson}}}`;
}
