// The DAG of a workflow: its nodes and edges from the definition (the
// tasks' depends_on), laid out top to bottom with dagre.

import dagre from "@dagrejs/dagre";
import { arr, obj, str, strs } from "./json";

export interface DagNode { id: string; type: string }
export interface DagEdge { from: string; to: string }
export interface DagInput { nodes: DagNode[]; edges: DagEdge[] }

/**
 * Nodes and edges of a workflow spec (`{tasks: [{id, type, depends_on}]}`,
 * the proto JSON of GET /v1/workflows/{name}'s `spec`). Tasks the run
 * knows but the spec does not (`extraTaskIds`) are added without edges;
 * dependencies on unknown tasks and repeated ids are dropped.
 */
export function dagInput(spec: unknown, extraTaskIds: readonly string[] = []): DagInput {
  const nodes: DagNode[] = [];
  const seen = new Set<string>();
  const deps: [string, string[]][] = [];
  for (const t of arr(obj(spec).tasks)) {
    const o = obj(t);
    const id = str(o.id);
    if (id === "" || seen.has(id)) continue;
    seen.add(id);
    nodes.push({ id, type: str(o.type) });
    deps.push([id, strs(o.depends_on)]);
  }
  for (const id of extraTaskIds) {
    if (seen.has(id)) continue;
    seen.add(id);
    nodes.push({ id, type: "" });
  }
  const edges: DagEdge[] = [];
  for (const [id, ds] of deps) {
    for (const d of new Set(ds)) if (seen.has(d) && d !== id) edges.push({ from: d, to: id });
  }
  return { nodes, edges };
}

export interface Placed { id: string; type: string; x: number; y: number; width: number; height: number }
export interface Routed { from: string; to: string; points: { x: number; y: number }[] }
export interface DagLayout { width: number; height: number; nodes: Placed[]; edges: Routed[] }

/** The node box for a task id: wide enough for its label. */
export function nodeSize(id: string): { width: number; height: number } {
  return { width: Math.min(220, Math.max(96, 24 + id.length * 8)), height: 44 };
}

/** Positions (top-left corners) of every node and the points of every edge. */
export function layoutDag(input: DagInput): DagLayout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 44, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of input.nodes) g.setNode(n.id, nodeSize(n.id));
  for (const e of input.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const nodes = input.nodes.map((n) => {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number };
    return { id: n.id, type: n.type, x: p.x - p.width / 2, y: p.y - p.height / 2, width: p.width, height: p.height };
  });
  const edges = input.edges.map((e) => {
    const l = g.edge(e.from, e.to) as { points?: { x: number; y: number }[] };
    return { from: e.from, to: e.to, points: (l.points ?? []).map((p) => ({ x: p.x, y: p.y })) };
  });
  const gl = g.graph() as { width?: number; height?: number };
  return { width: Math.ceil(gl.width ?? 0), height: Math.ceil(gl.height ?? 0), nodes, edges };
}

/** An SVG path through an edge's points. */
export function edgePath(points: readonly { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${round(p.x)},${round(p.y)}`).join(" ");
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
