import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUILTIN_WORKFLOWS } from '../../src/workflows/builtin/index.js';
import { applyEvent, createSubject } from '../../src/workflows/engine.js';
import { PATHS, type PathSpec } from './builtin-paths.js';
import { expectOk, fakeContext, mainSubject, parentFor, registry, TENANT } from './engine-kit.js';

/** `from --type--> to`; `from` is `(new)` for a creating event. */
type Edge = string;
const edge = (from: string | null, type: string, to: string): Edge => `${from ?? '(new)'} --${type}--> ${to}`;

/** Walks one path through the engine, checking each status and event, and returns the edges it used. */
function walk(workflow: string, path: PathSpec): Edge[] {
  const ctx = fakeContext();
  const parent = parentFor(workflow, ctx);
  const created = expectOk(
    createSubject(registry, { tenantId: TENANT, workflow, parent, ...path.create }, ctx),
    `create ${workflow}`,
  );
  let subject = mainSubject(created);
  assert.equal(subject.status, path.initial, 'status after creation');
  assert.equal(subject.version, 1);
  const first = created.events[0];
  assert.ok(first);
  assert.equal(first.from, null);
  assert.equal(first.to, path.initial);
  const edges = [edge(null, first.type, subject.status)];
  for (const step of path.steps) {
    ctx.advance(60_000);
    const input = { type: step.type, ...(step.to ? { to: step.to } : {}), ...(step.data ? { data: step.data } : {}) };
    const change = expectOk(applyEvent(registry, subject, input, ctx), `${step.type} from ${subject.status}`);
    const next = mainSubject(change);
    const event = change.events[0];
    assert.ok(event);
    assert.equal(next.status, step.expect, `${step.type} from ${subject.status}`);
    assert.equal(next.version, subject.version + 1);
    assert.deepEqual(
      { type: event.type, from: event.from, to: event.to, subjectId: event.subjectId, data: event.data },
      { type: step.type, from: subject.status, to: step.expect, subjectId: subject.id, data: step.data ?? {} },
    );
    edges.push(edge(subject.status, step.type, next.status));
    subject = next;
  }
  const def = registry.get(workflow)?.definition;
  assert.ok(def?.terminalStates.includes(subject.status), `path ends in ${subject.status}, which is not terminal`);
  return edges;
}

/** Every edge a definition allows, expanding each transition's from-states. */
function definedEdges(workflow: string): Set<Edge> {
  const def = registry.get(workflow)?.definition;
  assert.ok(def);
  return new Set([
    ...def.initial.map((t) => edge(null, t.type, t.to)),
    ...def.transitions.flatMap((t) => t.from.map((f) => edge(f, t.type, t.to))),
  ]);
}

test('there is a set of paths for every built-in workflow and nothing else', () => {
  assert.deepEqual(Object.keys(PATHS).sort(), BUILTIN_WORKFLOWS.map((d) => d.name).sort());
});

for (const def of BUILTIN_WORKFLOWS) {
  describe(`${def.name} paths`, () => {
    const paths = PATHS[def.name] ?? [];
    const used = new Set<Edge>();
    const ends = new Set<string>();
    for (const path of paths) {
      test(path.name, () => {
        for (const e of walk(def.name, path)) used.add(e);
        ends.add(path.steps.at(-1)?.expect ?? path.initial);
      });
    }
    test('the paths use every transition of the definition', () => {
      assert.ok(used.size > 0, 'no path ran');
      const missing = [...definedEdges(def.name)].filter((e) => !used.has(e));
      assert.deepEqual(missing, [], 'transitions no path walks');
    });
    test('the paths reach every terminal state', () => {
      assert.deepEqual([...ends].sort(), [...def.terminalStates].sort());
    });
  });
}
