import { describe, expect, it } from "vitest";
import { dagInput, edgePath, layoutDag, nodeSize } from "../../src/dag";

const diamond = {
  name: "diamond",
  tasks: [
    { id: "top", type: "sleep" },
    { id: "left", type: "sleep", depends_on: ["top"] },
    { id: "right", type: "sleep", depends_on: ["top"] },
    { id: "bottom", type: "echo", depends_on: ["left", "right"] },
  ],
};

describe("dagInput", () => {
  it("makes a node per task and an edge per dependency", () => {
    const d = dagInput(diamond);
    expect(d.nodes).toEqual([
      { id: "top", type: "sleep" }, { id: "left", type: "sleep" }, { id: "right", type: "sleep" }, { id: "bottom", type: "echo" },
    ]);
    expect(d.edges).toEqual([
      { from: "top", to: "left" }, { from: "top", to: "right" }, { from: "left", to: "bottom" }, { from: "right", to: "bottom" },
    ]);
  });

  it("drops unknown and repeated dependencies, self edges and repeated ids", () => {
    const d = dagInput({ tasks: [{ id: "a", depends_on: ["ghost", "a"] }, { id: "b", depends_on: ["a", "a"] }, { id: "a" }, { type: "x" }] });
    expect(d.nodes.map((n) => n.id)).toEqual(["a", "b"]);
    expect(d.edges).toEqual([{ from: "a", to: "b" }]);
  });

  it("adds the run's tasks the spec does not know, and reads odd input as empty", () => {
    expect(dagInput(diamond, ["top", "late"]).nodes.map((n) => n.id)).toEqual(["top", "left", "right", "bottom", "late"]);
    expect(dagInput(null)).toEqual({ nodes: [], edges: [] });
    expect(dagInput({ tasks: "no" })).toEqual({ nodes: [], edges: [] });
  });
});

describe("layoutDag", () => {
  it("puts each task below its dependencies, inside the drawing", () => {
    const l = layoutDag(dagInput(diamond));
    const y = Object.fromEntries(l.nodes.map((n) => [n.id, n.y]));
    expect(y.top).toBeLessThan(y.left ?? 0);
    expect(y.left).toBe(y.right);
    expect(y.bottom).toBeGreaterThan(y.left ?? 0);
    const x = Object.fromEntries(l.nodes.map((n) => [n.id, n.x]));
    expect(x.left).not.toBe(x.right);
    for (const n of l.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width).toBeLessThanOrEqual(l.width);
      expect(n.y + n.height).toBeLessThanOrEqual(l.height);
    }
    expect(l.edges).toHaveLength(4);
    for (const e of l.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
  });

  it("lays out nothing as an empty drawing", () => {
    const l = layoutDag({ nodes: [], edges: [] });
    expect(l.nodes).toEqual([]);
  });

  it("sizes nodes to their label within bounds, and draws edge paths", () => {
    expect(nodeSize("a").width).toBe(96);
    expect(nodeSize("x".repeat(100)).width).toBe(220);
    expect(edgePath([{ x: 1, y: 2 }, { x: 3.14159, y: 4 }])).toBe("M1,2 L3.1,4");
  });
});
