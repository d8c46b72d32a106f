// One execution as the run page shows it, and the reducer that moves it
// along as its events arrive: the GET /v1/executions/{id} view gives the
// start, each SSE event (history, then live) one step.

import { arr, bool, num, obj, str, strs, timeMs, type Obj } from "./json";
import { executionState, isFinal, taskState, type ExecutionState, type TaskState } from "./states";

/** A field an approval asks the approver for. */
export interface ApprovalField {
  name: string;
  type: "string" | "number" | "integer" | "boolean";
  required: boolean;
  description: string;
}

/** An approval waiting for a decision. */
export interface ApprovalRequest {
  executionId: string;
  workflow: string;
  taskId: string;
  message: string;
  approvers: string[];
  permission: string;
  input: ApprovalField[];
  requestedAt: number | undefined;
  deadline: number | undefined;
  onTimeout: "approve" | "reject" | "fail";
}

/** A failed attempt that was retried. */
export interface AttemptFailure {
  attempt: number;
  error: string;
  backoffMs: number;
  at: number | undefined;
}

/** One task of the run. */
export interface TaskView {
  id: string;
  state: TaskState;
  attempts: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  durationMs: number;
  error: string;
  output: unknown;
  meta: unknown;
  cached: boolean;
  failures: AttemptFailure[];
  approval: ApprovalRequest | undefined;
}

/** The run. */
export interface RunView {
  id: string;
  workflow: string;
  version: number;
  state: ExecutionState;
  error: string;
  cancelledBy: string;
  startedBy: string;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  durationMs: number;
  input: unknown;
  tasks: Record<string, TaskView>;
  /** The last event applied (0 before any). */
  seq: number;
}

/** An event of an execution's history, as the SSE stream gives it. */
export interface RunEvent {
  seq: number;
  kind: string;
  time: number | undefined;
  /** The kind's own fields (`data[kind]` of the event JSON). */
  body: Obj;
  /** The whole event JSON, for the raw list. */
  raw: unknown;
}

/** Reads one SSE message of /v1/executions/{id}/events. */
export function parseRunEvent(event: string, data: string, id: string | undefined): RunEvent | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return undefined;
  }
  const o = obj(raw);
  const seq = num(o.seq) || num(id);
  return { seq, kind: event, time: timeMs(o.time), body: obj(o[event]), raw };
}

export function newTask(id: string): TaskView {
  return {
    id, state: "pending", attempts: 0, startedAt: undefined, finishedAt: undefined, durationMs: 0,
    error: "", output: null, meta: null, cached: false, failures: [], approval: undefined,
  };
}

/** The run as GET /v1/executions/{id} shows it, with `taskIds` (the DAG's) pending when absent. */
export function runFromView(view: unknown, taskIds: readonly string[] = []): RunView {
  const v = obj(view);
  const tasks: Record<string, TaskView> = {};
  for (const id of taskIds) tasks[id] = newTask(id);
  for (const [id, r] of Object.entries(obj(v.task_results))) tasks[id] = taskFromResult(id, obj(r), tasks[id]);
  return {
    id: str(v.workflow_id),
    workflow: str(v.workflow),
    version: num(v.version),
    state: executionState(v.status),
    error: str(v.error),
    cancelledBy: str(v.cancelled_by),
    startedBy: str(v.started_by),
    startedAt: timeMs(v.started_at),
    finishedAt: timeMs(v.finished_at),
    durationMs: num(v.duration_ms),
    input: v.input ?? {},
    tasks,
    seq: 0,
  };
}

function taskFromResult(id: string, r: Obj, before: TaskView | undefined): TaskView {
  const t = before ? { ...before } : newTask(id);
  t.state = taskState(r.status);
  t.attempts = Math.max(t.attempts, num(r.attempts));
  t.startedAt = timeMs(r.started_at) ?? t.startedAt;
  t.finishedAt = timeMs(r.finished_at) ?? t.finishedAt;
  t.durationMs = num(r.duration_ms);
  t.error = str(r.error);
  t.output = r.output ?? null;
  t.meta = r.meta ?? null;
  t.cached = bool(r.cached);
  if (t.state !== "waiting") t.approval = undefined;
  return t;
}

const ON_TIMEOUT: Record<string, ApprovalRequest["onTimeout"]> = {
  approve: "approve", reject: "reject", fail: "fail",
  approval_default_approve: "approve", approval_default_reject: "reject", approval_default_fail: "fail",
};

const FIELD_TYPES = new Set(["string", "number", "integer", "boolean"]);

/** An approval from an `approval_requested` event's body or a GET /v1/approvals row. */
export function approvalFrom(o: Obj, executionId: string, workflow: string): ApprovalRequest {
  return {
    executionId: str(o.execution_id) || executionId,
    workflow: str(o.workflow) || workflow,
    taskId: str(o.task_id),
    message: str(o.message),
    approvers: strs(o.approvers),
    permission: str(o.permission),
    input: arr(o.input).map((f) => {
      const x = obj(f);
      const type = str(x.type).toLowerCase();
      return {
        name: str(x.name),
        type: (FIELD_TYPES.has(type) ? type : "string") as ApprovalField["type"],
        required: bool(x.required),
        description: str(x.description),
      };
    }),
    requestedAt: timeMs(o.requested_at),
    deadline: timeMs(o.deadline),
    onTimeout: ON_TIMEOUT[str(o.on_timeout).toLowerCase()] ?? "fail",
  };
}

/**
 * The run after one more event. Pure: `run` is not changed. Events at or
 * before `run.seq` were applied already (a reconnect may repeat them).
 */
export function applyEvent(run: RunView, e: RunEvent): RunView {
  if (e.seq !== 0 && e.seq <= run.seq) return run;
  const next: RunView = { ...run, tasks: { ...run.tasks }, seq: e.seq || run.seq };
  const b = e.body;
  const task = (id: string): TaskView => {
    const t = { ...(next.tasks[id] ?? newTask(id)) };
    next.tasks[id] = t;
    return t;
  };
  switch (e.kind) {
    case "execution_started":
      next.state = "running";
      next.workflow = str(b.workflow) || next.workflow;
      next.version = num(b.version) || next.version;
      next.startedAt = e.time ?? next.startedAt;
      next.finishedAt = undefined;
      break;
    case "execution_resumed":
      next.state = anyWaiting(next) ? "waiting" : "running";
      next.finishedAt = undefined;
      next.error = "";
      break;
    case "task_started": {
      const t = task(str(b.task_id));
      t.state = "running";
      t.attempts = Math.max(t.attempts, num(b.attempt) || 1);
      if (t.attempts <= 1 || t.startedAt === undefined) t.startedAt = e.time ?? t.startedAt;
      t.finishedAt = undefined;
      t.error = "";
      break;
    }
    case "task_attempt_failed": {
      const t = task(str(b.task_id));
      t.failures = [...t.failures, {
        attempt: num(b.attempt), error: str(b.error), backoffMs: num(b.backoff_ms), at: e.time,
      }];
      break;
    }
    case "approval_requested": {
      const t = task(str(b.task_id));
      t.state = "waiting";
      t.approval = approvalFrom(b, next.id, next.workflow);
      t.startedAt ??= t.approval.requestedAt ?? e.time;
      if (next.state === "running" || next.state === "pending") next.state = "waiting";
      break;
    }
    case "task_ended": {
      const r = obj(b.result);
      const id = str(r.task_id);
      const t = taskFromResult(id, r, next.tasks[id]);
      t.finishedAt ??= e.time;
      next.tasks[id] = t;
      if (next.state === "waiting" && !anyWaiting(next)) next.state = "running";
      break;
    }
    case "execution_ended":
      next.state = executionState(b.status);
      next.error = str(b.error);
      next.cancelledBy = str(b.cancelled_by);
      next.durationMs = num(b.duration_ms) || next.durationMs;
      next.finishedAt = e.time ?? next.finishedAt;
      break;
    default:
      break;
  }
  return next;
}

function anyWaiting(run: RunView): boolean {
  return Object.values(run.tasks).some((t) => t.state === "waiting");
}

/** The run after a whole history. */
export function replay(run: RunView, events: readonly RunEvent[]): RunView {
  return events.reduce(applyEvent, run);
}

/** Tasks that wait for a decision now. */
export function pendingApprovals(run: RunView): ApprovalRequest[] {
  return Object.values(run.tasks)
    .flatMap((t) => (t.state === "waiting" && t.approval !== undefined ? [t.approval] : []));
}

/** The run with a fresh GET /v1/executions/{id} view laid over it (after its stream ended). */
export function mergeView(run: RunView, view: unknown): RunView {
  const fresh = runFromView(view);
  const tasks = { ...run.tasks };
  for (const [id, r] of Object.entries(obj(obj(view).task_results))) {
    const before = tasks[id];
    const t = taskFromResult(id, obj(r), before);
    if (before) {
      t.failures = before.failures;
      if (t.state === "waiting") t.approval = before.approval;
    }
    tasks[id] = t;
  }
  // A view read just before the end was stored must not undo the end the stream gave.
  if (isFinal(run.state) && !isFinal(fresh.state)) {
    return { ...fresh, state: run.state, error: run.error, cancelledBy: run.cancelledBy, finishedAt: run.finishedAt, durationMs: run.durationMs, tasks, seq: run.seq };
  }
  return { ...fresh, tasks, seq: run.seq };
}
