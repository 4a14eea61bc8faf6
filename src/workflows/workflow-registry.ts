import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parseDuration } from './duration.js';
import type { JsonSchema, TransitionDefinition, WorkflowDefinition } from './workflow-definition.js';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export type SchemaCheck = (value: unknown) => ErrorObject[];

/** A transition with its schemas compiled once, at start-up. */
export interface CompiledTransition extends TransitionDefinition {
  checkData: SchemaCheck;
  checkWhenAttributes: SchemaCheck;
  checkWhenData: SchemaCheck;
}

export interface CompiledWorkflow {
  definition: WorkflowDefinition;
  initial: CompiledTransition[];
  transitions: CompiledTransition[];
  checkAttributes: SchemaCheck;
  eventTypes: ReadonlySet<string>;
}

export interface WorkflowRegistry {
  get(name: string): CompiledWorkflow | undefined;
  list(): CompiledWorkflow[];
}

const PASS: SchemaCheck = () => [];

function compile(ajv: Ajv2020, schema: JsonSchema | undefined, where: string): SchemaCheck {
  if (!schema) return PASS;
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (cause) {
    throw new TypeError(`${where}: invalid JSON Schema (${(cause as Error).message})`);
  }
  return (value) => (validate(value) ? [] : [...(validate.errors ?? [])]);
}

/** Checks the parts of a definition a JSON Schema cannot: references between its own lists. */
function checkDefinition(def: WorkflowDefinition, names: ReadonlySet<string>): void {
  const where = `workflow ${def.name}`;
  const states = new Set(def.states);
  if (states.size !== def.states.length) throw new TypeError(`${where}: duplicate state`);
  if (def.initial.length === 0) throw new TypeError(`${where}: needs at least one initial transition`);
  for (const s of def.terminalStates) {
    if (!states.has(s)) throw new TypeError(`${where}: terminal state ${s} is not a state`);
  }
  const known = (s: string, what: string) => {
    if (!states.has(s)) throw new TypeError(`${where}: ${what} names unknown state ${s}`);
  };
  for (const t of def.initial) known(t.to, `initial ${t.type}`);
  for (const t of def.transitions) {
    known(t.to, `transition ${t.type}`);
    for (const f of t.from) known(f, `transition ${t.type}`);
    if (t.from.length === 0) throw new TypeError(`${where}: transition ${t.type} has no from-states`);
  }
  for (const timer of def.timers ?? []) {
    for (const s of timer.states) known(s, `timer ${timer.name}`);
    if (!timer.after && !timer.atAttribute && !timer.daysAttribute) {
      throw new TypeError(`${where}: timer ${timer.name} needs after, atAttribute or daysAttribute`);
    }
    if (timer.after && parseDuration(timer.after) === null) {
      throw new TypeError(`${where}: timer ${timer.name} has a malformed duration ${timer.after}`);
    }
    if (!def.transitions.some((t) => t.type === timer.fire)) {
      throw new TypeError(`${where}: timer ${timer.name} fires unknown event type ${timer.fire}`);
    }
  }
  for (const parent of def.parent?.workflows ?? []) {
    if (!names.has(parent)) throw new TypeError(`${where}: parent workflow ${parent} is not defined`);
  }
}

/**
 * Validates and compiles workflow definitions. A malformed definition is an
 * operator's configuration mistake: it throws a `TypeError` at start-up.
 */
export function createWorkflowRegistry(definitions: readonly WorkflowDefinition[]): WorkflowRegistry {
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
  addFormats(ajv);
  const names = new Set<string>();
  for (const def of definitions) {
    if (names.has(def.name)) throw new TypeError(`workflow ${def.name} is defined twice`);
    names.add(def.name);
  }
  const compiled = new Map<string, CompiledWorkflow>();
  for (const def of definitions) {
    checkDefinition(def, names);
    const compileTransition = (t: TransitionDefinition): CompiledTransition => {
      const where = `workflow ${def.name}, ${t.type}`;
      return {
        ...t,
        checkData: compile(ajv, t.dataSchema, `${where} dataSchema`),
        checkWhenAttributes: compile(ajv, t.when?.attributes, `${where} when.attributes`),
        checkWhenData: compile(ajv, t.when?.data, `${where} when.data`),
      };
    };
    compiled.set(def.name, {
      definition: def,
      initial: def.initial.map((t) => compileTransition({ ...t, from: [] })),
      transitions: def.transitions.map(compileTransition),
      checkAttributes: compile(ajv, def.attributesSchema, `workflow ${def.name} attributesSchema`),
      eventTypes: new Set([...def.initial, ...def.transitions].map((t) => t.type)),
    });
  }
  for (const wf of compiled.values()) {
    for (const t of wf.transitions) {
      if (!t.spawn) continue;
      const child = compiled.get(t.spawn.workflow);
      if (!child?.definition.parent?.workflows.includes(wf.definition.name)) {
        throw new TypeError(
          `workflow ${wf.definition.name}: ${t.type} spawns ${t.spawn.workflow}, which is not its child`,
        );
      }
      if (!child.initial.some((i) => i.type === t.spawn?.type)) {
        throw new TypeError(`workflow ${wf.definition.name}: ${t.type} spawns with unknown initial ${t.spawn.type}`);
      }
    }
  }
  return {
    get: (name) => compiled.get(name),
    list: () => [...compiled.values()],
  };
}
