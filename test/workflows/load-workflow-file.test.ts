import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BUILTIN_WORKFLOWS } from '../../src/workflows/builtin/index.js';
import { applyEvent, createSubject } from '../../src/workflows/engine.js';
import { loadWorkflowFile } from '../../src/workflows/load-workflow-file.js';
import { createWorkflowRegistry } from '../../src/workflows/workflow-registry.js';
import { expectOk, fakeContext, mainSubject } from './engine-kit.js';

const dir = mkdtempSync(join(tmpdir(), 'tidings-workflows-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(ext: string, content: string | object): string {
  const path = join(dir, `wf-${++files}.${ext}`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const LOAN = {
  name: 'loan-application',
  title: 'Loan application',
  description: 'An operator workflow',
  states: ['open', 'approved', 'declined'],
  terminalStates: ['approved', 'declined'],
  initial: [{ type: 'applied', to: 'open' }],
  transitions: [
    { type: 'approve', from: ['open'], to: 'approved', dataSchema: { type: 'object', required: ['amount'] } },
    { type: 'decline', from: ['open'], to: 'declined' },
  ],
  timers: [{ name: 'stale', states: ['open'], fire: 'decline', after: '30d' }],
};

const YAML_TEXT = `
# Operators write YAML by hand; comments are fine.
- name: parcel
  title: Parcel
  description: Parcel tracking
  states: [posted, delivered]
  terminalStates: [delivered]
  initial:
    - type: posted
      to: posted
  transitions:
    - type: delivered
      from: [posted]
      to: delivered
      description: Handed over
  format: cloudevents-batch
- name: ticket
  title: Ticket
  description: Support ticket
  states: [open, closed]
  terminalStates: [closed]
  initial: [{ type: opened, to: open }]
  transitions: [{ type: closed, from: [open], to: closed }]
`;

/** Asserts the loader throws a TypeError whose message names the file and matches `field`. */
function refuses(path: string, field: RegExp) {
  assert.throws(
    () => loadWorkflowFile(path),
    (e: unknown) => {
      assert.ok(e instanceof TypeError, `not a TypeError: ${String(e)}`);
      assert.ok(e.message.startsWith(`${path}: `), e.message);
      assert.match(e.message, field);
      return true;
    },
  );
}

describe('loadWorkflowFile accepts', () => {
  test('one definition in JSON, defaulting format to native, usable by the engine', () => {
    const [loan, ...rest] = loadWorkflowFile(file('json', LOAN));
    assert.equal(rest.length, 0);
    assert.ok(loan);
    assert.equal(loan.format, 'native');
    assert.deepEqual(loan.transitions, LOAN.transitions);
    const registry = createWorkflowRegistry([...BUILTIN_WORKFLOWS, loan]);
    const ctx = fakeContext();
    const created = expectOk(
      createSubject(registry, { tenantId: 't', workflow: 'loan-application', parent: null }, ctx),
    );
    assert.equal(created.subjects[0]?.timer?.dueAt, '2025-03-31T09:00:00.000Z');
    const approved = expectOk(
      applyEvent(registry, mainSubject(created), { type: 'approve', data: { amount: 5 } }, ctx),
    );
    assert.equal(mainSubject(approved).status, 'approved');
  });

  test('an array in YAML, keeping an explicit format', () => {
    const defs = loadWorkflowFile(file('yaml', YAML_TEXT));
    assert.deepEqual(
      defs.map((d) => [d.name, d.format]),
      [
        ['parcel', 'cloudevents-batch'],
        ['ticket', 'native'],
      ],
    );
    assert.deepEqual(defs[1]?.initial, [{ type: 'opened', to: 'open' }]);
  });

  test('.yml files and JSON text in a YAML file', () => {
    assert.equal(loadWorkflowFile(file('yml', JSON.stringify(LOAN)))[0]?.name, 'loan-application');
  });

  test('the built-in definitions themselves pass the file schema', () => {
    const defs = loadWorkflowFile(file('json', BUILTIN_WORKFLOWS));
    assert.deepEqual(defs, BUILTIN_WORKFLOWS);
  });
});

describe('loadWorkflowFile refuses, naming the file and the field', () => {
  test('a missing file', () => refuses(join(dir, 'nope.json'), /cannot read workflow file \(ENOENT\)/));
  test('broken JSON', () => refuses(file('json', '{"name": "x",'), /not valid JSON/));
  test('broken YAML', () => refuses(file('yaml', 'name: [x\n  - y: :'), /not valid YAML/));
  test('an empty array', () => refuses(file('json', []), /no workflow definition/));
  test('a scalar', () => refuses(file('yaml', 'just text'), /\(root\) must be object/));

  test('an unknown top-level key', () => {
    refuses(file('json', { ...LOAN, timeout: '3d' }), /timeout is not a known field/);
  });

  test('a typo inside a transition, with its position', () => {
    const transitions = [LOAN.transitions[0], { type: 'decline', froms: ['open'], to: 'declined' }];
    refuses(file('json', { ...LOAN, transitions }), /transitions\[1\]\.(froms is not a known field|from is required)/);
  });

  test('a missing required field in the second definition of an array', () => {
    const { title: _title, ...untitled } = LOAN;
    refuses(file('json', [LOAN, untitled]), /\[1\]\.title is required/);
  });

  test('wrong types', () => {
    refuses(file('json', { ...LOAN, states: 'open' }), /states must be array/);
    refuses(
      file('json', { ...LOAN, terminalStates: ['approved', 'approved'] }),
      /terminalStates must NOT have duplicate/,
    );
    refuses(file('json', { ...LOAN, parent: { workflows: ['fit-case'] } }), /parent\.required is required/);
    refuses(
      file('json', { ...LOAN, timers: [{ name: 'x', states: ['open'], fire: 1 }] }),
      /timers\[0\]\.fire must be string/,
    );
  });

  test('a name that cannot appear in a URL', () => {
    refuses(file('json', { ...LOAN, name: 'loan application/v2' }), /name must match pattern/);
  });

  test('an initial transition with from-states', () => {
    refuses(
      file('json', { ...LOAN, initial: [{ type: 'applied', from: ['open'], to: 'open' }] }),
      /initial\[0\]\.from/,
    );
  });

  test('an embedded JSON Schema that is not one', () => {
    const transitions = [{ type: 'approve', from: ['open'], to: 'approved', dataSchema: { type: 'banana' } }];
    refuses(
      file('json', { ...LOAN, transitions, timers: [] }),
      /transitions\[0\]\.dataSchema is not a valid JSON Schema/,
    );
    refuses(file('json', { ...LOAN, attributesSchema: { required: 'amount' } }), /attributesSchema is not a valid/);
  });
});
