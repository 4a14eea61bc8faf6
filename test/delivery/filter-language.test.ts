import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateFilter, type FilterInput } from '../../src/delivery/filter/evaluate-filter.js';
import { FilterSyntaxError, MAX_FILTER_DEPTH, parseFilter } from '../../src/delivery/filter/parse-filter.js';

const event = (over: Partial<FilterInput> = {}): FilterInput => ({
  id: '0190b8a0-0000-7000-8000-000000000001',
  type: 'transaction-completed',
  workflow: 'idv-transaction',
  from: 'PENDING',
  to: 'APPROVED',
  occurredAt: '2026-12-05T10:00:00.000Z',
  sequence: 7,
  data: { status: 'APPROVED', score: 87, tags: ['vip', 'es'], nested: { 'x-y': [10, 20] }, empty: null },
  subject: { id: 'tx-1', attributes: { country: 'ES', documents: 2 } },
  ...over,
});

const holds = (text: string, input: FilterInput = event()) => evaluateFilter(parseFilter(text), input);

/** The fault's position, or a failure when the text parses. */
function faultAt(text: string): { position: number; reason: string } {
  try {
    parseFilter(text);
  } catch (error) {
    assert.ok(error instanceof FilterSyntaxError, String(error));
    return { position: error.position, reason: error.reason };
  }
  assert.fail(`${text} parsed`);
}

describe('filter language: evaluation', () => {
  test("the issue's examples", () => {
    assert.equal(holds('data.status in ["APPROVED"]'), true);
    assert.equal(holds('data.status in ["DECLINED", "EXPIRED"]'), false);
    assert.equal(holds('subject.attributes.country == "ES"'), true);
    assert.equal(holds("subject.attributes.country == 'FR'"), false);
  });

  test('event fields, comparisons of numbers and strings, and their negations', () => {
    assert.equal(holds('type == "transaction-completed" && workflow == "idv-transaction"'), true);
    assert.equal(holds('from == "PENDING" && to != "PENDING"'), true);
    assert.equal(holds('sequence >= 7 && sequence < 8 && data.score > 80.5 && data.score <= 87'), true);
    assert.equal(holds('occurredAt >= "2026-12-01" && occurredAt < "2027"'), true);
    assert.equal(holds('!(data.score > 90) || false'), true);
    assert.equal(holds('data.score > "80"'), false, 'unlike types are not ordered');
  });

  test('missing fields are null; has() tells present from absent', () => {
    assert.equal(holds('data.nope == null'), true);
    assert.equal(holds('data.empty == null'), true);
    assert.equal(holds('has(data.status) && !has(data.nope) && !has(data.empty)'), true);
    assert.equal(holds('data.nope.deeper.still == null'), true);
    assert.equal(holds('data.nope != "x"'), true);
    assert.equal(holds('subject.attributes.country == "ES"', event({ subject: { id: 's', attributes: null } })), false);
  });

  test('bracket paths, list indexes, list and object equality', () => {
    assert.equal(holds('data.nested["x-y"][1] == 20'), true);
    assert.equal(holds('data.tags[0] == "vip" && data.tags == ["vip", "es"]'), true);
    assert.equal(holds('data.tags == ["es", "vip"]'), false);
    assert.equal(holds('data.nested == null'), false);
  });

  test('functions: startsWith, endsWith, contains (text or list)', () => {
    assert.equal(holds('startsWith(type, "transaction-") && endsWith(type, "-completed")'), true);
    assert.equal(holds('contains(data.tags, "vip") && !contains(data.tags, "fr")'), true);
    assert.equal(holds('contains(data.status, "PROV")'), true);
    assert.equal(holds('startsWith(data.score, "8")'), false, 'a number is not text');
  });

  test('&& binds tighter than ||; parentheses regroup', () => {
    assert.equal(holds('true || false && false'), true);
    assert.equal(holds('(true || false) && false'), false);
  });

  test('inherited properties are not fields: data.constructor and __proto__ read nothing', () => {
    assert.equal(holds('has(data.constructor) || has(data.__proto__) || has(data.toString)'), false);
    assert.equal(holds('data["__proto__"] == null'), true);
  });

  test('data is read only when a filter reads it', () => {
    let reads = 0;
    const lazy = event({
      data: () => {
        reads++;
        return { status: 'APPROVED' };
      },
    });
    assert.equal(holds('type == "transaction-completed"', lazy), true);
    assert.equal(reads, 0);
    assert.equal(holds('data.status == "APPROVED"', lazy), true);
    assert.equal(reads, 1);
  });

  test('strings: escapes and unicode', () => {
    assert.equal(holds('data.s == "a\\"b\\u00e9"', event({ data: { s: 'a"bé' } })), true);
    assert.equal(holds("data.s == 'it\\'s'", event({ data: { s: "it's" } })), true);
  });
});

describe('filter language: refusals point at the fault', () => {
  const CASES: Array<[string, number, RegExp]> = [
    ['data.status = "A"', 12, /equality is ==/],
    ['data.status == ', 15, /expected a value/],
    ['data.status in ["A", "B"', 24, /expected "," or "\]"/],
    ['(data.status == "A"', 19, /closing "\)"/],
    ['status == "A"', 0, /unknown field status/],
    ['data.status == "A" && subjekt.id == "x"', 22, /unknown field subjekt/],
    ['matches(data.status, ".*")', 0, /unknown function matches/],
    ['startsWith(type)', 0, /takes 2 arguments/],
    ['has("x")', 0, /has takes a field/],
    ['data.status', 0, /a filter is a condition/],
    ['1 < sequence < 3', 13, /do not chain/],
    ['data.s == "open', 10, /not closed/],
    ['data.s == "\\x"', 11, /unknown escape/],
    ['data.status == "A" extra', 19, /unexpected "extra"/],
    ['data. == 1', 6, /field name after "."/],
    ['data[-1] == 1', 5, /quoted key or an index/],
    ['data.s == #', 10, /unexpected character "#"/],
  ];
  for (const [text, position, reason] of CASES) {
    test(`${JSON.stringify(text)} at ${position}`, () => {
      const fault = faultAt(text);
      assert.equal(fault.position, position, fault.reason);
      assert.match(fault.reason, reason);
    });
  }

  test('nesting deeper than the bound is refused, not a stack overflow', () => {
    const deep = `${'('.repeat(MAX_FILTER_DEPTH + 1)}true${')'.repeat(MAX_FILTER_DEPTH + 1)}`;
    assert.match(faultAt(deep).reason, /nested deeper/);
    assert.match(faultAt(`${'!'.repeat(500)}true`).reason, /nested deeper/);
    assert.match(faultAt(`data.x in ${'['.repeat(500)}`).reason, /nested deeper/);
  });

  test('long filters and long lists are refused', () => {
    assert.match(faultAt(`data.x == "${'a'.repeat(3000)}"`).reason, /at most 2000 characters/);
    const list = `data.x in [${Array.from({ length: 300 }, (_, i) => i).join(',')}]`;
    assert.match(faultAt(list).reason, /at most 256 items/);
  });

  test('the message carries the position for the API answer', () => {
    const error = (() => {
      try {
        parseFilter('data.status = "A"');
      } catch (e) {
        return e as FilterSyntaxError;
      }
    })();
    assert.equal(error?.message, 'at position 12: unexpected character "=" (equality is ==)');
  });
});
