import { describe, expect, it } from "vitest";
import { formatOffset, gantt, tickStep } from "../../src/gantt";

describe("gantt", () => {
  it("scales bars from the first start to the last end", () => {
    const g = gantt([
      { id: "a", state: "succeeded", startedAt: 1000, finishedAt: 1300 },
      { id: "b", state: "succeeded", startedAt: 1300, finishedAt: 2000 },
      { id: "c", state: "pending", startedAt: undefined, finishedAt: undefined },
    ], 5000);
    expect(g.t0).toBe(1000);
    expect(g.t1).toBe(2000);
    expect(g.bars.map((b) => [b.id, b.leftPct, b.widthPct])).toEqual([["a", 0, 30], ["b", 30, 70]]);
  });

  it("runs a running task's bar up to now", () => {
    const g = gantt([{ id: "a", state: "running", startedAt: 0, finishedAt: undefined }, { id: "b", state: "succeeded", startedAt: 0, finishedAt: 100 }], 400);
    expect(g.t1).toBe(400);
    expect(g.bars.find((b) => b.id === "a")?.widthPct).toBe(100);
    expect(g.bars.find((b) => b.id === "b")?.widthPct).toBe(25);
  });

  it("orders by start then id and gives an instant task a sliver", () => {
    const g = gantt([
      { id: "z", state: "succeeded", startedAt: 0, finishedAt: 0 },
      { id: "b", state: "succeeded", startedAt: 10, finishedAt: 20 },
      { id: "a", state: "succeeded", startedAt: 0, finishedAt: 1000 },
    ], 0);
    expect(g.bars.map((b) => b.id)).toEqual(["a", "z", "b"]);
    expect(g.bars[1]?.widthPct).toBe(0.5);
  });

  it("has no bars before any task starts", () => {
    expect(gantt([{ id: "a", state: "pending", startedAt: undefined, finishedAt: undefined }], 9)).toEqual({ t0: 9, t1: 9, bars: [], ticks: [] });
  });

  it("puts ticks at round steps", () => {
    expect(tickStep(1000, 5)).toBe(200);
    expect(tickStep(900, 5)).toBe(200);
    expect(tickStep(30_000, 5)).toBe(10_000);
    expect(tickStep(1, 5)).toBe(1);
    const g = gantt([{ id: "a", state: "succeeded", startedAt: 0, finishedAt: 1000 }], 0);
    expect(g.ticks.map((t) => t.label)).toEqual(["+0", "+200ms", "+400ms", "+600ms", "+800ms", "+1s"]);
    expect(g.ticks.at(-1)?.pct).toBe(100);
  });

  it("labels offsets in ms, s and m", () => {
    expect([0, 250, 1500, 125_000].map(formatOffset)).toEqual(["+0", "+250ms", "+1.5s", "+2m05s"]);
  });
});
