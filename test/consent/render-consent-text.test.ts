import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { renderConsentText } from '../../src/consent/render-consent-text.js';

const a = (href: string, text: string) => `<a href="${href}" target="_blank" rel="noopener noreferrer">${text}</a>`;

/**
 * The eight rows of the seed 001 table, in the English gloss of
 * seed-formats.md. Row 2 is "same" in the mangled translation; we use the
 * whitespace variant of the closing tag that the rule text itself shows
 * (`Text</URL >`).
 */
const SEED_ROWS: Array<[string, string, string]> = [
  [
    '1: a well-formed link',
    'Please confirm <URL link="link">a consent</URL>. Thank you',
    `Please confirm ${a('link', 'a consent')}. Thank you`,
  ],
  [
    '2: the same with whitespace in the closing tag',
    'Please confirm <URL link="link">a consent</URL >. Thank you',
    `Please confirm ${a('link', 'a consent')}. Thank you`,
  ],
  [
    '3: a stray </> is shown literally',
    'Please confirm <URL link="link">a consent</URL>. </> Thank you',
    `Please confirm ${a('link', 'a consent')}. &lt;/&gt; Thank you`,
  ],
  [
    '4: an unpaired opening tag is shown literally',
    'Please confirm <URL link="link">a consent</URL>. <URL > Thank you',
    `Please confirm ${a('link', 'a consent')}. &lt;URL &gt; Thank you`,
  ],
  [
    '5: an unpaired closing tag is shown literally',
    'Please confirm <URL link="link">a consent</URL>. </URL > Thank you',
    `Please confirm ${a('link', 'a consent')}. &lt;/URL &gt; Thank you`,
  ],
  [
    '6: a malformed but paired tag is dropped, its text kept',
    'Please confirm <URL links">a consent </> </URL>. Thank you',
    'Please confirm a consent &lt;/&gt; . Thank you',
  ],
  [
    '7: an opening tag inside a pair is text of the link',
    'Please confirm <URL link="link">a consent <URL > </URL>. Thank you',
    `Please confirm ${a('link', 'a consent &lt;URL &gt; ')}. Thank you`,
  ],
  [
    '8: link, stray closing tag, then a malformed pair',
    'Please confirm <URL link="link">a consent</URL>. </URL> <URL links"> a </URL> consent1. Thank you',
    `Please confirm ${a('link', 'a consent')}. &lt;/URL&gt;  a  consent1. Thank you`,
  ],
];

describe('the seed 001 consent table', () => {
  for (const [name, input, html] of SEED_ROWS) {
    test(name, () => assert.equal(renderConsentText(input), html));
  }
});

describe('escaping and line breaks', () => {
  test('HTML symbols are escaped and shown as-is', () => {
    assert.equal(
      renderConsentText(`Tom & Jerry's "deal" <b>now</b>`),
      'Tom &amp; Jerry&#39;s &quot;deal&quot; &lt;b&gt;now&lt;/b&gt;',
    );
  });

  test('entities in the text are shown, not interpreted', () => {
    assert.equal(renderConsentText('&lt;3 &amp;'), '&amp;lt;3 &amp;amp;');
  });

  test('every line break becomes <br>, whatever its style', () => {
    assert.equal(renderConsentText('a\nb\r\nc\rd\n\ne'), 'a<br>b<br>c<br>d<br><br>e');
  });

  test('line breaks inside a link and inside its opening tag', () => {
    assert.equal(
      renderConsentText('<URL\nlink="https://example.com/t">the\nterms</URL>'),
      a('https://example.com/t', 'the<br>terms'),
    );
  });

  test('empty text', () => assert.equal(renderConsentText(''), ''));
});

describe('links', () => {
  test('http, https and mailto links, several in one text', () => {
    assert.equal(
      renderConsentText('<URL link="https://x.example/a">A</URL> and <URL link = "mailto:dpo@example.com" >B</URL>'),
      `${a('https://x.example/a', 'A')} and ${a('mailto:dpo@example.com', 'B')}`,
    );
    assert.equal(renderConsentText('<URL link="HTTP://X.EXAMPLE">C</URL>'), a('HTTP://X.EXAMPLE', 'C'));
  });

  test('the href is escaped', () => {
    assert.equal(
      renderConsentText(`<URL link="https://x.example/?a=1&b='2'&c=<3>">x</URL>`),
      // `<` and `>` cannot occur inside the opening tag, so this one is malformed text.
      `&lt;URL link=&quot;https://x.example/?a=1&amp;b=&#39;2&#39;&amp;c=&lt;3&gt;&quot;&gt;x&lt;/URL&gt;`,
    );
    assert.equal(
      renderConsentText(`<URL link="https://x.example/?a=1&b='2'">x</URL>`),
      a('https://x.example/?a=1&amp;b=&#39;2&#39;', 'x'),
    );
  });

  test('< /URL> is tolerated as a closing tag', () => {
    assert.equal(renderConsentText('<URL link="https://x.example">x< /URL>'), a('https://x.example', 'x'));
  });

  test('an empty link is shown as plain text', () => {
    assert.equal(renderConsentText('<URL link="">x</URL>'), 'x');
  });

  test('tags are case-sensitive: <url> is text', () => {
    assert.equal(
      renderConsentText('<url link="https://x">x</url>'),
      '&lt;url link=&quot;https://x&quot;&gt;x&lt;/url&gt;',
    );
  });
});

describe('XSS attempts', () => {
  const unsafe = [
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    '\u0001javascript:alert(1)',
    'vbscript:msgbox(1)',
    'data:text/html,<script>alert(1)</script>',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'file:///etc/passwd',
  ];
  for (const href of unsafe) {
    test(`${JSON.stringify(href)} is not linked`, () => {
      const html = renderConsentText(`Please confirm <URL link="${href}">a consent</URL>.`);
      assert.doesNotMatch(html, /<a /);
      assert.ok(!html.includes('<script'), html);
    });
  }

  test('a javascript: link keeps its text, unlinked', () => {
    assert.equal(renderConsentText('<URL link="javascript:alert(1)">click</URL>'), 'click');
  });

  test('entity-encoded schemes stay inert relative links', () => {
    assert.equal(
      renderConsentText('<URL link="&#106;avascript:alert(1)">x</URL>'),
      a('&amp;#106;avascript:alert(1)', 'x'),
    );
  });

  test('a quote cannot break out of the href: extra attributes make the tag malformed', () => {
    assert.equal(renderConsentText('<URL link="https://x" onclick="alert(1)">x</URL>'), 'x');
    assert.equal(renderConsentText('<URL link="https://x"" onmouseover="alert(1)">x</URL>'), 'x');
    assert.equal(renderConsentText(`<URL link='https://x'>x</URL>`), 'x');
  });

  test('nested tags do not nest: the inner one is text, the extra close literal', () => {
    assert.equal(
      renderConsentText('<URL link="https://x"><URL link="javascript:alert(1)">in</URL></URL>'),
      `${a('https://x', '&lt;URL link=&quot;javascript:alert(1)&quot;&gt;in')}&lt;/URL&gt;`,
    );
  });

  test('markup inside the link text is escaped', () => {
    assert.equal(
      renderConsentText('<URL link="https://x"><img src=x onerror=alert(1)></URL>'),
      a('https://x', '&lt;img src=x onerror=alert(1)&gt;'),
    );
  });

  test('any input yields only our own tags, with safe hrefs', () => {
    const fragment = fc.constantFrom(
      '<URL link="https://a.example">',
      '<URL link="javascript:alert(1)">',
      '<URL links">',
      '<URL >',
      '</URL>',
      '</URL >',
      '< /URL>',
      '</>',
      '<script>',
      '"',
      "'",
      '&',
      '\n',
      ' text ',
      '=',
      '>',
      '<',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(fragment, fc.string()), { maxLength: 12 }), (parts) => {
        const html = renderConsentText(parts.join(''));
        const hrefs = [...html.matchAll(/<a href="([^"]*)" target="_blank" rel="noopener noreferrer">/g)];
        for (const [, href] of hrefs) assert.doesNotMatch(href ?? '', /^\s*(javascript|data|vbscript):/i);
        const rest = html.replace(/<a href="[^"<>]*" target="_blank" rel="noopener noreferrer">|<\/a>|<br>/g, '');
        assert.doesNotMatch(rest, /[<>"']/);
        assert.equal((html.match(/<a /g) ?? []).length, (html.match(/<\/a>/g) ?? []).length);
      }),
      { numRuns: 500 },
    );
  });
});
