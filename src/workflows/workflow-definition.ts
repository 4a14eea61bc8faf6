/**
 * The shape of a workflow: a named state machine. Built-in workflows and the
 * ones operators load from JSON or YAML files share this one shape, so it is
 * plain data: no functions, only states, transitions, JSON Schemas and timers.
 */

import type { TenantSettings } from '../tenants/tenant-settings.js';

/** A JSON Schema (draft 2020-12 or draft-07 subset that Ajv understands). */
export type JsonSchema = Record<string, unknown>;

export interface TransitionDefinition {
  /** Event type recorded for this transition, e.g. `REQUEST_APPROVED`. */
  type: string;
  /** States the subject may be in; empty for an initial (creating) transition. */
  from: string[];
  to: string;
  description?: string;
  /** Schema of the event's `data`; absent means any object. */
  dataSchema?: JsonSchema;
  /** Extra conditions, as schemas the subject's attributes / the event data must match. */
  when?: { attributes?: JsonSchema; data?: JsonSchema };
  /** Child subjects created in the same transaction, one per item of `data[field]`. */
  spawn?: SpawnDefinition;
  /**
   * Who issues this event's SET when it is recorded through the API: the
   * subject attribute holding the issuer's id (FIT-Connect: `destinationId`,
   * the receiving system's destination, seed 002). The SET's `iss` is that id and
   * it is signed with that issuer's own key (`GET /v1/destinations/{id}/keys`).
   * Without the attribute, and for events a timer records, the issuer is the
   * service (`TIDINGS_ISSUER`). Built-in workflows only.
   */
  issuedBy?: { attribute: string };
}

/** An initial transition has no from-states. */
export type InitialTransitionDefinition = Omit<TransitionDefinition, 'from'>;

export interface SpawnDefinition {
  /** Workflow of the children, which must name this workflow as its parent. */
  workflow: string;
  /** Field of the event data holding an array of child attribute objects. */
  field: string;
  /** The child workflow's initial event type to record for each child. */
  type: string;
}

/**
 * A timed transition. While the subject is in one of `states`, the timer is due
 * at the first of these that applies:
 * 1. `atAttribute`: the instant in that attribute (ISO 8601);
 * 2. `daysAttribute`: createdAt plus that many days (a number attribute);
 * 3. `after`: statusChangedAt plus this duration (`14d`, `36h`, `90s`, ...).
 */
export interface TimerDefinition {
  name: string;
  states: string[];
  fire: string;
  to?: string;
  data?: Record<string, unknown>;
  atAttribute?: string;
  daysAttribute?: string;
  after?: string;
}

/** `attribute` := the tenant's `setting`, unless the request gives any of `unless` (or the attribute itself). */
export interface TenantDefault {
  attribute: string;
  setting: keyof TenantSettings;
  unless?: string[];
}

export interface WorkflowDefinition {
  name: string;
  title: string;
  description: string;
  /** Where the facts come from (seed file) and which choices were ours. */
  notes?: string[];
  states: string[];
  terminalStates: string[];
  initial: InitialTransitionDefinition[];
  transitions: TransitionDefinition[];
  timers?: TimerDefinition[];
  attributesSchema?: JsonSchema;
  /**
   * Attributes a new subject takes from a tenant setting when the request
   * gives none of `unless` (seed 001: a OneSpan transaction's `expiry_period`
   * defaults to the tenant's). Built-in workflows only.
   */
  tenantDefaults?: TenantDefault[];
  /** Top-level attributes that may not change after creation. */
  immutableAttributes?: string[];
  parent?: { workflows: string[]; required: boolean };
  /** Default wire format of this workflow's events (`native` for operator workflows). */
  format: string;
  /** Event types may also be written as this prefix + type (FIT-Connect event URIs). */
  eventUriBase?: string;
}
