import { describe, expect, it } from "vitest";
import {
  NO_FILTER, applyChange, feedQuery, filterFromQuery, filterToQuery, listQuery, localToRfc3339, matches, parseChange, upsert,
  type FeedChange, type RunRow,
} from "../../src/runs";

const row = (id: string, startedAt: number, over: Partial<RunRow> = {}): RunRow => ({
  id, workflow: "diamond", version: 1, state: "running", startedAt, finishedAt: undefined, durationMs: 0, startedBy: "rest", error: "", ...over,
});
const change = (over: Partial<FeedChange>): FeedChange => ({
  cursor: "c", kind: "task_ended", id: "x", workflow: "diamond", version: 1, time: 5000, state: "running", taskId: "", error: "", ...over,
});

describe("filters", () => {
  it("round-trips through the hash query, leaving empty fields out", () => {
    const f = { workflow: "diamond", status: "failed", from: "2026-05-01T10:00", to: "" };
    expect(filterToQuery(f)).toBe("workflow=diamond&status=failed&from=2026-05-01T10%3A00");
    expect(filterFromQuery(new URLSearchParams(filterToQuery(f)))).toEqual(f);
    expect(filterToQuery(NO_FILTER)).toBe("");
  });

  it("asks the list for RFC 3339 times and a page", () => {
    const f = { workflow: "w", status: "running", from: "2026-05-01T10:00", to: "nonsense" };
    const q = new URLSearchParams(listQuery(f, 50, "tok"));
    expect(q.get("workflow")).toBe("w");
    expect(q.get("status")).toBe("running");
    expect(q.get("from")).toBe(new Date("2026-05-01T10:00").toISOString());
    expect(q.has("to")).toBe(false);
    expect(q.get("page_size")).toBe("50");
    expect(q.get("page_token")).toBe("tok");
    expect(localToRfc3339("")).toBe("");
  });

  it("filters the feed by workflow only (a state change must still reach the list)", () => {
    expect(feedQuery({ ...NO_FILTER, workflow: "w", status: "running" })).toBe("workflow=w");
    expect(feedQuery(NO_FILTER)).toBe("");
  });

  it("matches rows by workflow, state and start time", () => {
    const t = new Date("2026-05-01T10:00").getTime();
    const r = row("a", t + 60_000);
    expect(matches(r, NO_FILTER)).toBe(true);
    expect(matches(r, { ...NO_FILTER, workflow: "other" })).toBe(false);
    expect(matches(r, { ...NO_FILTER, status: "running" })).toBe(true);
    expect(matches(r, { ...NO_FILTER, status: "failed" })).toBe(false);
    expect(matches(r, { ...NO_FILTER, from: "2026-05-01T10:00" })).toBe(true);
    expect(matches(r, { ...NO_FILTER, from: "2026-05-01T10:02" })).toBe(false);
    expect(matches(r, { ...NO_FILTER, to: "2026-05-01T10:01" })).toBe(false);
    expect(matches(r, { ...NO_FILTER, to: "2026-05-01T10:02" })).toBe(true);
  });
});

describe("feed changes", () => {
  it("parse from the feed's JSON, kind names in either spelling", () => {
    const c = parseChange(JSON.stringify({ cursor: "9", kind: "CHANGE_KIND_EXECUTION_STARTED", workflow_id: "d-1", workflow: "d", version: 2, seq: 1, time: "2026-05-01T10:00:00Z", status: "running" }));
    expect(c).toEqual({ cursor: "9", kind: "execution_started", id: "d-1", workflow: "d", version: 2, time: Date.parse("2026-05-01T10:00:00Z"), state: "running", taskId: "", error: "" });
    expect(parseChange("{}")).toBeUndefined();
    expect(parseChange("nope")).toBeUndefined();
  });

  it("add a started run at the top", () => {
    const rows = [row("b", 2000), row("a", 1000)];
    const r = applyChange(rows, change({ kind: "execution_started", id: "c", time: 3000 }), NO_FILTER, 10);
    expect(r.rows.map((x) => x.id)).toEqual(["c", "b", "a"]);
    expect(r.fetch).toBeUndefined();
  });

  it("move a known run's state and end it with its duration and error", () => {
    const rows = [row("a", 1000)];
    const r = applyChange(rows, change({ kind: "execution_ended", id: "a", state: "failed", time: 4000, error: "boom" }), NO_FILTER, 10);
    expect(r.rows).toEqual([{ ...row("a", 1000), state: "failed", finishedAt: 4000, durationMs: 3000, error: "boom" }]);
  });

  it("take a run out when it leaves the filtered state, and skip other workflows' starts", () => {
    const f = { ...NO_FILTER, status: "running" };
    expect(applyChange([row("a", 1)], change({ kind: "execution_ended", id: "a", state: "completed" }), f, 10).rows).toEqual([]);
    expect(applyChange([], change({ kind: "execution_started", id: "z", workflow: "other" }), { ...NO_FILTER, workflow: "diamond" }, 10).rows).toEqual([]);
  });

  it("ask to fetch an unknown run that may have entered the filtered state", () => {
    const f = { ...NO_FILTER, status: "failed" };
    expect(applyChange([], change({ kind: "execution_ended", id: "q", state: "failed" }), f, 10)).toEqual({ rows: [], fetch: "q" });
    expect(applyChange([], change({ kind: "execution_ended", id: "q", state: "completed" }), f, 10).fetch).toBeUndefined();
  });

  it("keep at most the limit, newest first", () => {
    let rows: RunRow[] = [];
    for (let i = 0; i < 5; i++) rows = applyChange(rows, change({ kind: "execution_started", id: `r${i}`, time: i }), NO_FILTER, 3).rows;
    expect(rows.map((r) => r.id)).toEqual(["r4", "r3", "r2"]);
    expect(upsert(rows, row("old", -1), NO_FILTER, 3).map((r) => r.id)).toEqual(["r4", "r3", "r2"]);
  });
});
