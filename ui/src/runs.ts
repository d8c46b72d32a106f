// The runs list: its filters (in the URL's hash query, so a filtered list
// can be bookmarked), the REST query they make, and how a change from the
// server-wide feed moves the rows shown.

import { num, obj, str, timeMs } from "./json";
import { executionState, type ExecutionState } from "./states";

export interface RunsFilter {
  workflow: string;
  /** An execution state, or "" for any. */
  status: string;
  /** datetime-local values ("2026-05-01T14:00"), local time; "" for open. */
  from: string;
  to: string;
}

export const NO_FILTER: RunsFilter = { workflow: "", status: "", from: "", to: "" };

export interface RunRow {
  id: string;
  workflow: string;
  version: number;
  state: ExecutionState;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  durationMs: number;
  startedBy: string;
  error: string;
}

/** The filter a hash query string ("workflow=a&status=failed") says. */
export function filterFromQuery(q: URLSearchParams): RunsFilter {
  return {
    workflow: q.get("workflow") ?? "",
    status: q.get("status") ?? "",
    from: q.get("from") ?? "",
    to: q.get("to") ?? "",
  };
}

/** The hash query string of a filter; empty fields left out. */
export function filterToQuery(f: RunsFilter): string {
  const q = new URLSearchParams();
  for (const k of ["workflow", "status", "from", "to"] as const) if (f[k] !== "") q.set(k, f[k]);
  return q.toString();
}

/** A datetime-local value as RFC 3339 (UTC), or "" when empty or invalid. */
export function localToRfc3339(v: string): string {
  if (v === "") return "";
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? "" : new Date(t).toISOString();
}

/** The query of GET /v1/executions for a filter (and a page). */
export function listQuery(f: RunsFilter, pageSize: number, pageToken = ""): string {
  const q = new URLSearchParams();
  if (f.workflow !== "") q.set("workflow", f.workflow);
  if (f.status !== "") q.set("status", f.status);
  const from = localToRfc3339(f.from);
  const to = localToRfc3339(f.to);
  if (from !== "") q.set("from", from);
  if (to !== "") q.set("to", to);
  q.set("page_size", String(pageSize));
  if (pageToken !== "") q.set("page_token", pageToken);
  return q.toString();
}

/**
 * The query of the feed (GET /v1/executions/stream) for a filter: by
 * workflow only. The state is matched here, since a run that leaves the
 * filtered state must leave the list too.
 */
export function feedQuery(f: RunsFilter): string {
  const q = new URLSearchParams();
  if (f.workflow !== "") q.set("workflow", f.workflow);
  return q.toString();
}

/** A row of GET /v1/executions. */
export function rowFromView(v: unknown): RunRow {
  const o = obj(v);
  return {
    id: str(o.workflow_id),
    workflow: str(o.workflow),
    version: num(o.version),
    state: executionState(o.status),
    startedAt: timeMs(o.started_at),
    finishedAt: timeMs(o.finished_at),
    durationMs: num(o.duration_ms),
    startedBy: str(o.started_by),
    error: str(o.error),
  };
}

/** Whether a row belongs in the list the filter asks for. */
export function matches(r: RunRow, f: RunsFilter): boolean {
  if (f.workflow !== "" && r.workflow !== f.workflow) return false;
  if (f.status !== "" && r.state !== f.status) return false;
  const from = f.from === "" ? undefined : new Date(f.from).getTime();
  const to = f.to === "" ? undefined : new Date(f.to).getTime();
  if (from !== undefined && !Number.isNaN(from) && (r.startedAt === undefined || r.startedAt < from)) return false;
  if (to !== undefined && !Number.isNaN(to) && (r.startedAt === undefined || r.startedAt >= to)) return false;
  return true;
}

/** A change of the server-wide feed (its SSE data). */
export interface FeedChange {
  cursor: string;
  kind: string;
  id: string;
  workflow: string;
  version: number;
  time: number | undefined;
  state: ExecutionState;
  taskId: string;
  error: string;
}

export function parseChange(data: string): FeedChange | undefined {
  let o: Record<string, unknown>;
  try {
    o = obj(JSON.parse(data));
  } catch {
    return undefined;
  }
  const id = str(o.workflow_id);
  if (id === "") return undefined;
  return {
    cursor: str(o.cursor),
    kind: str(o.kind).toLowerCase().replace(/^change_kind_/, ""),
    id,
    workflow: str(o.workflow),
    version: num(o.version),
    time: timeMs(o.time),
    state: executionState(o.status),
    taskId: str(o.task_id),
    error: str(o.error),
  };
}

/** The rows with `row` put in its place (newest first, at most `limit`), or taken out when it no longer matches. */
export function upsert(rows: readonly RunRow[], row: RunRow, f: RunsFilter, limit: number): RunRow[] {
  const known = rows.some((r) => r.id === row.id);
  const rest = rows.filter((r) => r.id !== row.id);
  if (!matches(row, f)) return rest;
  if (known) return rows.map((r) => (r.id === row.id ? row : r));
  const key = row.startedAt ?? 0;
  const at = rest.findIndex((r) => (r.startedAt ?? 0) < key || ((r.startedAt ?? 0) === key && r.id < row.id));
  const out = [...rest];
  out.splice(at < 0 ? out.length : at, 0, row);
  return out.slice(0, limit);
}

/**
 * The rows after a feed change: a known run takes the change's state (and
 * leaves when it no longer matches); a run that starts is added when it
 * matches. `fetch` names a run the list does not hold that may now belong
 * in it (it entered the filtered state): the caller reads it and upserts.
 */
export function applyChange(
  rows: readonly RunRow[], c: FeedChange, f: RunsFilter, limit: number,
): { rows: RunRow[]; fetch: string | undefined } {
  const before = rows.find((r) => r.id === c.id);
  if (!before && c.kind !== "execution_started") {
    const maybe = (f.workflow === "" || f.workflow === c.workflow) && (f.status === "" || f.status === c.state);
    return { rows: [...rows], fetch: maybe ? c.id : undefined };
  }
  const row: RunRow = before
    ? { ...before, state: c.state }
    : {
        id: c.id, workflow: c.workflow, version: c.version, state: c.state,
        startedAt: c.time, finishedAt: undefined, durationMs: 0, startedBy: "", error: "",
      };
  if (c.kind === "execution_ended") {
    row.finishedAt = c.time ?? row.finishedAt;
    if (row.startedAt !== undefined && row.finishedAt !== undefined) row.durationMs = row.finishedAt - row.startedAt;
    row.error = c.error;
  }
  if (c.kind === "execution_resumed") {
    row.finishedAt = undefined;
    row.error = "";
  }
  return { rows: upsert(rows, row, f, limit), fetch: undefined };
}
