import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageJson, renderEach, skipCodeOf } from '../../src/feeds/skipped-event.js';

const deep = () => {
  let v: unknown = 1;
  for (let i = 0; i < 200_000; i++) v = [v];
  return v;
};

test('renderEach leaves out an event whose rendering throws, keeps the rest in order', () => {
  const events = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
  const { rendered, skipped } = renderEach(events, (e) => {
    if (e.id === 'b') throw new TypeError('no status');
    return e.id.toUpperCase();
  });
  assert.deepEqual(
    rendered.map((r) => r.value),
    ['A', 'C'],
  );
  assert.deepEqual(skipped, [{ eventId: 'b', code: 'render_failed' }]);
});

test('a stack overflow is too_deep, anything else render_failed', () => {
  let overflow: unknown;
  try {
    JSON.stringify(deep());
  } catch (error) {
    overflow = error;
  }
  assert.equal(skipCodeOf(overflow), 'too_deep');
  assert.equal(skipCodeOf(new RangeError('Invalid time value')), 'render_failed');
  assert.equal(skipCodeOf(new Error('x')), 'render_failed');
});

test('pageJson writes a page as JSON.stringify would, with no skipped member when nothing was left out', () => {
  const page = { lastEventId: 'b', events: [{ id: 'a' }, 'jws'], skipped: [] };
  assert.equal(pageJson(page, ['a', 'b']), JSON.stringify({ lastEventId: 'b', events: [{ id: 'a' }, 'jws'] }));
});

test('pageJson leaves out an item too deep to write and reports it beside earlier skips', () => {
  const page = {
    lastEventId: 'd',
    events: [{ id: 'a' }, { id: 'b', data: deep() }, { id: 'd' }],
    skipped: [{ eventId: 'c', code: 'render_failed' as const }],
  };
  const body = JSON.parse(pageJson(page, ['a', 'b', 'd']));
  assert.deepEqual(body, {
    lastEventId: 'd',
    events: [{ id: 'a' }, { id: 'd' }],
    skipped: [
      { eventId: 'c', code: 'render_failed' },
      { eventId: 'b', code: 'too_deep' },
    ],
  });
});
