/**
 * Turns OneSpan consent text (seed 001, "Consent text display rules") into
 * HTML that is safe to insert into a page. The only markup the text may carry
 * is `<URL link="...">text</URL>`; everything else is shown as written.
 *
 * The rules, as reconstructed in seed-formats.md from a mangled translation:
 * 1. escape `& < > " '` everywhere, and keep every line break (as `<br>`);
 * 2. an opening tag is `<URL` + (whitespace + anything but `<` `>`)? + `>`;
 *    a closing tag is `</URL` + optional whitespace + `>` (`< /URL>` tolerated);
 * 3. each opening tag pairs with the FIRST closing tag after it; tags in
 *    between are plain text inside the pair (no nesting);
 * 4. a pair whose opening tag is exactly `link="..."` becomes
 *    `<a href="..." target="_blank" rel="noopener noreferrer">text</a>`;
 * 5. a pair with a malformed opening tag (`links"`, unbalanced quote, extra
 *    attributes) loses both tags and keeps its text;
 * 6. unpaired tags and any other tag-like text (`</>`) are shown literally.
 *
 * Our additions: a `link` whose scheme is not http, https or mailto (e.g.
 * `javascript:`, `data:`), or that is empty, is treated like rule 5: the text
 * is shown without a link. Scheme-less (relative) values such as the seed's
 * own `link="link"` stay links; a relative URL cannot run script. Tags are
 * case-sensitive (`<url>` is text), as in every seed example.
 */

const TAG = /<URL(?:\s[^<>]*)?>|<\s*\/URL\s*>/g;
const CLOSING = /^<\s*\//;
const WELL_FORMED = /^<URL\s+link\s*=\s*"([^"]*)"\s*>$/;
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
const SAFE_SCHEMES = new Set(['http', 'https', 'mailto']);

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes HTML-significant characters and turns each line break (CRLF, CR or LF) into `<br>`. */
function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c).replace(/\r\n|\r|\n/g, '<br>');
}

/**
 * The href to emit, or null when the value must not become a link. Browsers
 * drop tabs and newlines inside URLs and trim leading control characters and
 * spaces before reading the scheme (`java\tscript:` is `javascript:`), so the
 * scheme is read from the value cleaned the same way.
 */
function safeHref(raw: string): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
  const cleaned = raw.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  if (cleaned === '') return null;
  const scheme = SCHEME.exec(cleaned)?.[1];
  if (scheme !== undefined && !SAFE_SCHEMES.has(scheme.toLowerCase())) return null;
  return cleaned;
}

interface Tag {
  start: number;
  end: number;
  text: string;
  closing: boolean;
}

function findTags(text: string): Tag[] {
  return [...text.matchAll(TAG)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    text: m[0],
    closing: CLOSING.test(m[0]),
  }));
}

/**
 * Renders OneSpan consent text as safe HTML (see the rules above).
 *
 * @example
 * renderConsentText('Please confirm <URL link="https://example.com/terms">the terms</URL>.')
 * // 'Please confirm <a href="https://example.com/terms" target="_blank" rel="noopener noreferrer">the terms</a>.'
 */
export function renderConsentText(text: string): string {
  const tags = findTags(text);
  let html = '';
  let at = 0; // first character of `text` not yet rendered
  let i = 0;
  while (i < tags.length) {
    const open = tags[i] as Tag;
    if (open.closing) {
      i++; // unpaired closing tag: left in the text, rendered literally
      continue;
    }
    const closeIndex = tags.findIndex((t, j) => j > i && t.closing);
    const close = tags[closeIndex];
    if (close === undefined) break; // no closing tag after it: this and every later tag is literal
    html += escapeText(text.slice(at, open.start));
    const inner = escapeText(text.slice(open.end, close.start));
    const link = WELL_FORMED.exec(open.text);
    const href = link ? safeHref(link[1] ?? '') : null;
    html +=
      href === null ? inner : `<a href="${escapeText(href)}" target="_blank" rel="noopener noreferrer">${inner}</a>`;
    at = close.end;
    i = closeIndex + 1;
  }
  return html + escapeText(text.slice(at));
}
