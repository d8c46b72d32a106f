// Execution and task states as the dashboard names them. The REST views
// say them in lower case ("succeeded"); the proto JSON inside SSE events
// says the enum's name ("TASK_STATE_SUCCEEDED"). Both normalise here.

export const TASK_STATES = [
  "pending", "running", "waiting", "succeeded", "failed", "skipped", "cancelled", "timed_out",
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const EXECUTION_STATES = [
  "pending", "running", "waiting", "completed", "failed", "cancelled", "timed_out",
] as const;
export type ExecutionState = (typeof EXECUTION_STATES)[number];

function label(raw: unknown, prefix: string): string {
  if (typeof raw !== "string") return "";
  const lower = raw.toLowerCase();
  return lower.startsWith(prefix) ? lower.slice(prefix.length) : lower;
}

/** A task state from either spelling; unknown or unset reads as pending. */
export function taskState(raw: unknown): TaskState {
  const s = label(raw, "task_state_");
  return (TASK_STATES as readonly string[]).includes(s) ? (s as TaskState) : "pending";
}

/** An execution state from either spelling; unknown or unset reads as pending. */
export function executionState(raw: unknown): ExecutionState {
  const s = label(raw, "execution_state_");
  return (EXECUTION_STATES as readonly string[]).includes(s) ? (s as ExecutionState) : "pending";
}

/** Whether an execution has ended (cancel no longer applies, retry may). */
export function isFinal(s: ExecutionState): boolean {
  return s === "completed" || s === "failed" || s === "cancelled" || s === "timed_out";
}

/** Whether a task has ended. */
export function isTaskFinal(s: TaskState): boolean {
  return s !== "pending" && s !== "running" && s !== "waiting";
}

/** Whether an ended execution can be retried from its failed tasks. */
export function canRetry(s: ExecutionState): boolean {
  return s === "failed" || s === "cancelled" || s === "timed_out";
}
