/** The parts of `GET /v1/workflows/{name}` a diagram needs. */
export interface WorkflowShape {
  name: string;
  states: string[];
  terminalStates: string[];
  initial: Array<{ type: string; to: string }>;
  transitions: Array<{ type: string; from: string[]; to: string }>;
  timers?: Array<{ name: string; states: string[]; fire: string }>;
}

/** One step a subject took (from its history). */
export interface Step {
  type: string;
  from: string | null;
  to: string;
}

export const START = '(start)';

export interface GraphEdge {
  from: string;
  to: string;
  /** Event types that make this move. */
  types: string[];
  /** The subject took this edge. */
  taken: boolean;
}

export interface GraphNode {
  id: string;
  terminal: boolean;
  visited: boolean;
  current: boolean;
  /** Timers armed while a subject is in this state. */
  timers: string[];
}

/**
 * The state diagram of a workflow as nodes and edges, with a subject's path
 * marked: one edge per (from, to) pair, its event types merged, so a state
 * machine with many event names between two states stays readable.
 *
 * @example workflowGraph(wf, steps, 'VIDEOREVIEW').nodes.find((n) => n.current)?.id // 'VIDEOREVIEW'
 */
export function workflowGraph(wf: WorkflowShape, steps: readonly Step[] = [], current: string | null = null) {
  const taken = new Set(steps.map((s) => `${s.from ?? START}\u0000${s.to}`));
  const visited = new Set(steps.map((s) => s.to));
  const edges = new Map<string, GraphEdge>();
  const add = (from: string, to: string, type: string) => {
    const key = `${from}\u0000${to}`;
    const edge = edges.get(key) ?? { from, to, types: [], taken: taken.has(key) };
    if (!edge.types.includes(type)) edge.types.push(type);
    edges.set(key, edge);
  };
  for (const t of wf.initial) add(START, t.to, t.type);
  for (const t of wf.transitions) for (const from of t.from) add(from, t.to, t.type);
  const timersIn = (state: string) =>
    (wf.timers ?? []).filter((t) => t.states.includes(state)).map((t) => `${t.name} → ${t.fire}`);
  const nodes: GraphNode[] = [
    { id: START, terminal: false, visited: steps.length > 0, current: false, timers: [] },
    ...wf.states.map((id) => ({
      id,
      terminal: wf.terminalStates.includes(id),
      visited: visited.has(id),
      current: id === current,
      timers: timersIn(id),
    })),
  ];
  return { nodes, edges: [...edges.values()] };
}

/** The event types the workflow allows from `state`, each with the states it may lead to. */
export function allowedFrom(wf: WorkflowShape, state: string): Array<{ type: string; to: string[] }> {
  const byType = new Map<string, string[]>();
  for (const t of wf.transitions) {
    if (!t.from.includes(state)) continue;
    const list = byType.get(t.type) ?? [];
    if (!list.includes(t.to)) list.push(t.to);
    byType.set(t.type, list);
  }
  return [...byType].map(([type, to]) => ({ type, to }));
}
