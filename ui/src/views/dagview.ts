// The DAG drawn as SVG: one box per task, coloured by its state through a
// class and `data-state` (which the tests read), edges with arrowheads.
// Laid out once; updates only change each node's state.

import { edgePath, layoutDag, type DagInput } from "../dag";
import { s } from "../dom";
import type { TaskState } from "../states";

export interface DagDrawing {
  svg: SVGSVGElement;
  /** Sets each task's state (and the selected one). */
  update: (states: Record<string, TaskState>, selected: string) => void;
}

/** `typesOnly`: a definition's DAG, each node labelled with its task type instead of a state. */
export function drawDag(input: DagInput, onSelect: (id: string) => void, typesOnly = false): DagDrawing {
  const l = layoutDag(input);
  const svg = s("svg", {
    class: "dag", "data-testid": "dag", role: "group", "aria-label": "Tasks of the run and their dependencies",
    viewBox: `0 0 ${Math.max(1, l.width)} ${Math.max(1, l.height)}`, width: l.width, height: l.height,
  });
  svg.style.maxWidth = `${l.width}px`;
  const marker = s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
    s("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrowhead" }));
  svg.append(s("defs", {}, marker));
  for (const e of l.edges) {
    svg.append(s("path", { class: "edge", d: edgePath(e.points), "marker-end": "url(#arrow)", "data-from": e.from, "data-to": e.to }));
  }
  const nodes = new Map<string, SVGGElement>();
  for (const n of l.nodes) {
    const g = s("g", {
      class: "node", "data-testid": "dag-node", "data-task-id": n.id, "data-state": "pending",
      transform: `translate(${n.x},${n.y})`, tabindex: 0, role: "button", "aria-label": `task ${n.id}: pending`,
      onclick: () => { onSelect(n.id); },
      onkeydown: (e) => {
        const k = (e as KeyboardEvent).key;
        if (k === "Enter" || k === " ") { e.preventDefault(); onSelect(n.id); }
      },
    },
    s("rect", { width: n.width, height: n.height, rx: 8, ry: 8 }),
    s("text", { x: n.width / 2, y: n.height / 2 - 4, "text-anchor": "middle", class: "label" }, n.id),
    s("text", { x: n.width / 2, y: n.height / 2 + 12, "text-anchor": "middle", class: "sub" }, typesOnly ? n.type : "pending"),
    );
    nodes.set(n.id, g);
    svg.append(g);
  }
  const update = (states: Record<string, TaskState>, selected: string): void => {
    for (const [id, g] of nodes) {
      const st = states[id] ?? "pending";
      if (!typesOnly && g.dataset.state !== st) {
        g.dataset.state = st;
        g.setAttribute("aria-label", `task ${id}: ${st}`);
        const sub = g.querySelector("text.sub");
        if (sub) sub.textContent = st.replace("_", " ");
      }
      g.classList.toggle("selected", id === selected);
    }
  };
  return { svg, update };
}
