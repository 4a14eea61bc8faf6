import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_TENANT_SETTINGS } from '../tenants/tenant-settings.js';
import type { WorkflowDefinition } from './workflow-definition.js';

/**
 * The shape of `WorkflowDefinition` as a JSON Schema, for files operators
 * write by hand. Unknown keys are refused at every level of the shape (a typo
 * such as `froms` would otherwise silently allow nothing); the embedded JSON
 * Schemas (`dataSchema`, `when`, `attributesSchema`) are only checked against
 * the JSON Schema meta-schema. References between the lists (states named by
 * transitions, timers' events, parents) are checked by the registry.
 */
const name = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' };
const state = { type: 'string', minLength: 1, maxLength: 100 };
const eventType = { type: 'string', minLength: 1, maxLength: 200 };
const schema = { type: 'object' };
const stringList = (items: object) => ({ type: 'array', items, uniqueItems: true });

const transitionProperties = {
  type: eventType,
  to: state,
  description: { type: 'string' },
  dataSchema: schema,
  when: {
    type: 'object',
    additionalProperties: false,
    properties: { attributes: schema, data: schema },
  },
  spawn: {
    type: 'object',
    additionalProperties: false,
    required: ['workflow', 'field', 'type'],
    properties: { workflow: name, field: { type: 'string', minLength: 1 }, type: eventType },
  },
  // the event's SET issuer is this attribute's value (FIT-Connect destinations)
  issuedBy: {
    type: 'object',
    additionalProperties: false,
    required: ['attribute'],
    properties: { attribute: { type: 'string', minLength: 1 } },
  },
};

const definitionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'title', 'description', 'states', 'terminalStates', 'initial', 'transitions'],
  properties: {
    name,
    title: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    notes: { type: 'array', items: { type: 'string' } },
    states: { ...stringList(state), minItems: 1 },
    terminalStates: stringList(state),
    initial: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'to'],
        properties: transitionProperties,
      },
    },
    transitions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'from', 'to'],
        properties: { ...transitionProperties, from: { ...stringList(state), minItems: 1 } },
      },
    },
    timers: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'states', 'fire'],
        properties: {
          name: { type: 'string', minLength: 1 },
          states: { ...stringList(state), minItems: 1 },
          fire: eventType,
          to: state,
          data: { type: 'object' },
          atAttribute: { type: 'string', minLength: 1 },
          daysAttribute: { type: 'string', minLength: 1 },
          after: { type: 'string', minLength: 1 },
        },
      },
    },
    attributesSchema: schema,
    immutableAttributes: stringList({ type: 'string', minLength: 1 }),
    parent: {
      type: 'object',
      additionalProperties: false,
      required: ['workflows', 'required'],
      properties: { workflows: { ...stringList(name), minItems: 1 }, required: { type: 'boolean' } },
    },
    // an attribute the subject is created without takes the tenant's setting (src/workflows/tenant-defaults.ts)
    tenantDefaults: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['attribute', 'setting'],
        properties: {
          attribute: { type: 'string', minLength: 1 },
          setting: { enum: Object.keys(DEFAULT_TENANT_SETTINGS) },
          unless: stringList({ type: 'string', minLength: 1 }),
        },
      },
    },
    format: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
    eventUriBase: { type: 'string', format: 'uri' },
  },
};

let checker: { ajv: Ajv2020; validateShape: ValidateFunction<WorkflowDefinition> } | undefined;

/**
 * The Ajv instance and the compiled shape check, made on the first file read:
 * compiling them at import cost every process ~150 ms of start-up (a worker's
 * CPU profile), though most run without workflow files.
 */
function shapeChecker() {
  if (checker) return checker;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  // eventUriBase is the only format used; a small check avoids pulling ajv-formats in here.
  ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:[^\s]*$/i);
  checker = { ajv, validateShape: ajv.compile<WorkflowDefinition>(definitionSchema) };
  return checker;
}

/** `/0/transitions/2/from` → `[0].transitions[2].from`, plus the offending key where Ajv names one. */
function fieldOf(e: ErrorObject, prefix: string): string {
  let field = prefix;
  for (const part of e.instancePath.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    field += /^\d+$/.test(key) ? `[${key}]` : field ? `.${key}` : key;
  }
  const extra = e.keyword === 'additionalProperties' ? e.params.additionalProperty : undefined;
  const missing = e.keyword === 'required' ? e.params.missingProperty : undefined;
  const key = extra ?? missing;
  if (typeof key === 'string') field += field ? `.${key}` : key;
  return field || '(root)';
}

function describe(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') return 'is not a known field';
  if (e.keyword === 'required') return 'is required';
  return e.message ?? 'is invalid';
}

/** Checks each embedded JSON Schema against the meta-schema, so the error names the file and the field. */
function checkEmbeddedSchemas(def: WorkflowDefinition, where: (field: string) => string): void {
  const { ajv } = shapeChecker();
  const check = (value: unknown, field: string) => {
    if (value === undefined) return;
    let valid: unknown;
    try {
      valid = ajv.validateSchema(value as object);
    } catch (cause) {
      // e.g. a `$schema` naming a meta-schema this Ajv does not know.
      throw new TypeError(`${where(field)} is not a usable JSON Schema (${(cause as Error).message})`);
    }
    if (valid !== true) {
      throw new TypeError(`${where(field)} is not a valid JSON Schema (${ajv.errorsText(ajv.errors)})`);
    }
  };
  check(def.attributesSchema, 'attributesSchema');
  const lists = [
    ['initial', def.initial],
    ['transitions', def.transitions],
  ] as const;
  for (const [list, transitions] of lists) {
    for (const [i, t] of transitions.entries()) {
      check(t.dataSchema, `${list}[${i}].dataSchema`);
      check(t.when?.attributes, `${list}[${i}].when.attributes`);
      check(t.when?.data, `${list}[${i}].when.data`);
    }
  }
}

function parseText(path: string, text: string): unknown {
  try {
    // YAML 1.2 is a superset of JSON, but JSON.parse gives better messages for .json files.
    return /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    const kind = /\.json$/i.test(path) ? 'JSON' : 'YAML';
    throw new TypeError(`${path}: not valid ${kind} (${(cause as Error).message.split('\n')[0]})`);
  }
}

/**
 * Reads operator workflows from a JSON or YAML file holding one definition or
 * an array of them. Operator workflows render to the `native` format unless
 * they name another. A malformed file is an operator's mistake: it throws a
 * `TypeError` naming the file and the field.
 *
 * @example
 * const registry = createWorkflowRegistry([...BUILTIN_WORKFLOWS, ...loadWorkflowFile('./workflows.yaml')]);
 */
export function loadWorkflowFile(path: string): WorkflowDefinition[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TypeError(`${path}: cannot read workflow file (${(cause as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const parsed = parseText(path, text);
  const isList = Array.isArray(parsed);
  const items: unknown[] = isList ? parsed : [parsed];
  if (items.length === 0) throw new TypeError(`${path}: holds no workflow definition`);
  const { validateShape } = shapeChecker();
  return items.map((item, i) => {
    const prefix = isList ? `[${i}]` : '';
    if (!validateShape(item)) {
      const first = validateShape.errors?.[0];
      const detail = first ? `${fieldOf(first, prefix)} ${describe(first)}` : 'is not a workflow definition';
      const more = (validateShape.errors?.length ?? 0) > 1 ? ` (and ${validateShape.errors!.length - 1} more)` : '';
      throw new TypeError(`${path}: ${detail}${more}`);
    }
    checkEmbeddedSchemas(item, (field) => `${path}: ${prefix ? `${prefix}.` : ''}${field}`);
    return { ...item, format: item.format ?? 'native' };
  });
}
