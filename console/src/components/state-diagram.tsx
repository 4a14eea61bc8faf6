import { Graph, layout } from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import { START, type Step, type WorkflowShape, workflowGraph } from '../lib/workflow-graph';

const CHAR = 7.2;

/**
 * The workflow as a top-to-bottom state diagram (dagre layout, drawn as SVG):
 * the subject's path and current state highlighted, timers noted on their
 * states. A text list below says the same for screen readers and small screens.
 */
export function StateDiagram(props: { workflow: WorkflowShape; steps?: Step[]; current?: string | null }) {
  const graph = useMemo(
    () => workflowGraph(props.workflow, props.steps ?? [], props.current ?? null),
    [props.workflow, props.steps, props.current],
  );
  const drawn = useMemo(() => {
    const g = new Graph({ multigraph: false });
    // Top to bottom: a state machine's life reads downwards and fits a page's width better than left to right.
    g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 44, edgesep: 14, marginx: 8, marginy: 8 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of graph.nodes) {
      const width = Math.max(70, n.id.length * CHAR + 24);
      g.setNode(n.id, { width, height: n.timers.length > 0 ? 44 : 32 });
    }
    for (const e of graph.edges) {
      const label = e.types.length > 2 ? `${e.types[0]} +${e.types.length - 1}` : e.types.join(', ');
      g.setEdge(e.from, e.to, { label, width: label.length * 6 + 6, height: 14, labelpos: 'c' });
    }
    layout(g);
    const { width = 0, height = 0 } = g.graph();
    return { g, width, height };
  }, [graph]);
  const { g, width, height } = drawn;
  const titleId = `diagram-${props.workflow.name}`;
  return (
    <figure class="diagram">
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (axe scrollable-region-focusable) */}
      <div class="diagram-scroll" tabIndex={0}>
        <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={titleId}>
          <title id={titleId}>State diagram of {props.workflow.name}</title>
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
              <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
            </marker>
            <marker
              id="arrow-taken"
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto"
            >
              <path d="M0,0 L10,5 L0,10 z" class="arrowhead taken" />
            </marker>
          </defs>
          {graph.edges.map((e) => {
            const edge = g.edge(e.from, e.to);
            const points = edge?.points ?? [];
            const d = points
              .map((p: { x: number; y: number }, i: number) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`)
              .join(' ');
            return (
              <g key={`${e.from}-${e.to}`} class={`edge ${e.taken ? 'taken' : ''}`}>
                <path d={d} marker-end={`url(#${e.taken ? 'arrow-taken' : 'arrow'})`} />
                {edge?.x !== undefined && (
                  <text x={edge.x} y={(edge.y ?? 0) + 4} text-anchor="middle">
                    {edge.label as string}
                  </text>
                )}
              </g>
            );
          })}
          {graph.nodes.map((n) => {
            const node = g.node(n.id);
            if (!node) return null;
            const cls = [
              'node',
              n.id === START ? 'start' : '',
              n.terminal ? 'terminal' : '',
              n.visited ? 'visited' : '',
              n.current ? 'current' : '',
            ]
              .filter(Boolean)
              .join(' ');
            return (
              <g key={n.id} class={cls} transform={`translate(${node.x - node.width / 2},${node.y - node.height / 2})`}>
                <rect width={node.width} height={node.height} rx={n.terminal ? 2 : 14} />
                <text x={node.width / 2} y={n.timers.length > 0 ? 18 : 20} text-anchor="middle">
                  {n.id}
                </text>
                {n.timers.length > 0 && (
                  <text class="timer" x={node.width / 2} y={34} text-anchor="middle">
                    {n.timers.length === 1 ? 'has a timer' : `${n.timers.length} timers`}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
      </div>
      <figcaption>
        <details>
          <summary>States and transitions as text</summary>
          <ul class="plain">
            {graph.edges.map((e) => (
              <li key={`${e.from}-${e.to}`}>
                {e.from} → {e.to}: {e.types.join(', ')} {e.taken ? '(taken)' : ''}
              </li>
            ))}
            {graph.nodes
              .filter((n) => n.timers.length > 0)
              .map((n) => (
                <li key={`t-${n.id}`}>
                  timers in {n.id}: {n.timers.join('; ')}
                </li>
              ))}
          </ul>
        </details>
      </figcaption>
    </figure>
  );
}
