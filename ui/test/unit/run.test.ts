import { describe, expect, it } from "vitest";
import { applyEvent, mergeView, parseRunEvent, pendingApprovals, replay, runFromView, type RunEvent } from "../../src/run";

const T0 = Date.parse("2026-05-01T10:00:00Z");
const at = (ms: number): string => new Date(T0 + ms).toISOString();

function ev(seq: number, kind: string, body: Record<string, unknown>, ms = seq * 10): RunEvent {
  const data = JSON.stringify({ execution_id: "d-1", seq: String(seq), time: at(ms), [kind]: body });
  const e = parseRunEvent(kind, data, String(seq));
  if (!e) throw new Error("unparsed");
  return e;
}

const fresh = () => runFromView({ workflow_id: "d-1", workflow: "diamond", version: 1 }, ["top", "left", "right", "bottom"]);

describe("the event reducer", () => {
  it("starts every DAG task pending", () => {
    const r = fresh();
    expect(Object.values(r.tasks).map((t) => t.state)).toEqual(["pending", "pending", "pending", "pending"]);
    expect(r.state).toBe("pending");
  });

  it("moves tasks through running to their end state, from the proto JSON's enum names", () => {
    const r = replay(fresh(), [
      ev(1, "execution_started", { workflow: "diamond", version: 1 }),
      ev(2, "task_started", { task_id: "top", attempt: 1 }),
      ev(3, "task_ended", { result: { task_id: "top", status: "TASK_STATE_SUCCEEDED", output: { ok: true }, attempts: 1, duration_ms: "300" } }),
      ev(4, "task_started", { task_id: "left", attempt: 1 }),
    ]);
    expect(r.state).toBe("running");
    expect(r.tasks.top?.state).toBe("succeeded");
    expect(r.tasks.top?.output).toEqual({ ok: true });
    expect(r.tasks.top?.durationMs).toBe(300);
    expect(r.tasks.top?.startedAt).toBe(T0 + 20);
    expect(r.tasks.top?.finishedAt).toBe(T0 + 30);
    expect(r.tasks.left?.state).toBe("running");
    expect(r.tasks.right?.state).toBe("pending");
    expect(r.seq).toBe(4);
  });

  it("counts attempts and keeps each failed attempt's error", () => {
    const r = replay(fresh(), [
      ev(1, "task_started", { task_id: "top", attempt: 1 }),
      ev(2, "task_attempt_failed", { task_id: "top", attempt: 1, error: "connection refused", backoff_ms: "200" }),
      ev(3, "task_started", { task_id: "top", attempt: 2 }),
      ev(4, "task_ended", { result: { task_id: "top", status: "failed", error: "boom", attempts: 2 } }),
    ]);
    const t = r.tasks.top;
    expect(t?.state).toBe("failed");
    expect(t?.attempts).toBe(2);
    expect(t?.error).toBe("boom");
    expect(t?.failures).toEqual([{ attempt: 1, error: "connection refused", backoffMs: 200, at: T0 + 20 }]);
    expect(t?.startedAt).toBe(T0 + 10);
  });

  it("ignores an event it has applied already (a reconnect repeats)", () => {
    const once = replay(fresh(), [ev(1, "task_started", { task_id: "top", attempt: 1 })]);
    const twice = applyEvent(once, ev(1, "task_started", { task_id: "top", attempt: 1 }));
    expect(twice).toBe(once);
  });

  it("does not change the run it is given", () => {
    const r = fresh();
    applyEvent(r, ev(1, "task_started", { task_id: "top", attempt: 1 }));
    expect(r.tasks.top?.state).toBe("pending");
    expect(r.seq).toBe(0);
  });

  it("ends the execution with its state, error and canceller", () => {
    const r = replay(fresh(), [
      ev(1, "execution_started", {}),
      ev(2, "execution_ended", { status: "EXECUTION_STATE_CANCELLED", error: "cancelled: false positive", cancelled_by: "alice", duration_ms: "1234" }),
    ]);
    expect(r.state).toBe("cancelled");
    expect(r.error).toBe("cancelled: false positive");
    expect(r.cancelledBy).toBe("alice");
    expect(r.durationMs).toBe(1234);
    expect(r.finishedAt).toBe(T0 + 20);
  });

  it("runs again after a retry's execution_resumed", () => {
    const r = replay(fresh(), [
      ev(1, "execution_started", {}),
      ev(2, "execution_ended", { status: "failed", error: "x" }),
      ev(3, "execution_resumed", {}),
    ]);
    expect(r.state).toBe("running");
    expect(r.error).toBe("");
    expect(r.finishedAt).toBeUndefined();
  });

  it("waits on an approval and runs on once it is decided", () => {
    const asked = replay(fresh(), [
      ev(1, "execution_started", {}),
      ev(2, "approval_requested", {
        task_id: "left", message: "Block 10.0.0.1?", approvers: ["alice"], permission: "",
        input: [{ name: "ticket", type: "string", required: true, description: "the ticket" }, { name: "n", type: "weird" }],
        requested_at: at(20), deadline: at(600_000), on_timeout: "APPROVAL_DEFAULT_REJECT",
      }),
    ]);
    expect(asked.state).toBe("waiting");
    expect(asked.tasks.left?.state).toBe("waiting");
    const [a] = pendingApprovals(asked);
    expect(a).toMatchObject({ executionId: "d-1", workflow: "diamond", taskId: "left", message: "Block 10.0.0.1?", approvers: ["alice"], onTimeout: "reject", deadline: T0 + 600_000 });
    expect(a?.input).toEqual([
      { name: "ticket", type: "string", required: true, description: "the ticket" },
      { name: "n", type: "string", required: false, description: "" },
    ]);
    const decided = applyEvent(asked, ev(3, "task_ended", { result: { task_id: "left", status: "succeeded", output: { decision: "approve", by: "alice" } } }));
    expect(decided.state).toBe("running");
    expect(decided.tasks.left?.approval).toBeUndefined();
    expect(pendingApprovals(decided)).toEqual([]);
  });

  it("reads the REST view's task results and lays a later view over the replayed run", () => {
    const view = {
      workflow_id: "d-1", workflow: "diamond", version: 2, status: "completed", started_at: at(0), finished_at: at(900),
      duration_ms: 900, started_by: "rest", task_results: { top: { status: "succeeded", attempts: 1, duration_ms: 300, output: 1 }, extra: { status: "skipped" } },
    };
    const r = runFromView(view, ["top", "left"]);
    expect(r.state).toBe("completed");
    expect(r.version).toBe(2);
    expect(Object.keys(r.tasks).sort()).toEqual(["extra", "left", "top"]);
    expect(r.tasks.extra?.state).toBe("skipped");
    const replayed = replay(fresh(), [ev(1, "task_started", { task_id: "top", attempt: 1 }), ev(2, "task_attempt_failed", { task_id: "top", attempt: 1, error: "e" })]);
    const merged = mergeView(replayed, view);
    expect(merged.state).toBe("completed");
    expect(merged.seq).toBe(2);
    expect(merged.tasks.top?.state).toBe("succeeded");
    expect(merged.tasks.top?.failures).toHaveLength(1);
    expect(merged.tasks.bottom?.state).toBe("pending");
  });

  it("keeps the stream's end over a view read before the end was stored", () => {
    const ended = replay(fresh(), [ev(1, "execution_started", {}), ev(2, "execution_ended", { status: "failed", error: "x", duration_ms: "20" })]);
    const merged = mergeView(ended, { workflow_id: "d-1", workflow: "diamond", version: 1, status: "running", task_results: {} });
    expect(merged.state).toBe("failed");
    expect(merged.error).toBe("x");
    expect(merged.durationMs).toBe(20);
  });

  it("skips data that is not JSON", () => {
    expect(parseRunEvent("task_started", "not json", "1")).toBeUndefined();
  });
});
