// One run: its facts, Cancel (with a reason) and Retry, the DAG coloured
// by task state, the selected task's attempts, duration, error and
// output, a timeline, and the raw event history — all live from
// GET /v1/executions/{id}/events.

import { authHeaders, enc, get, post, unauthenticated } from "../api";
import { dagInput, type DagInput } from "../dag";
import { badge, fill, h, note } from "../dom";
import { dateTime, duration, pretty } from "../format";
import { gantt } from "../gantt";
import { obj, str } from "../json";
import { hashOf, type View } from "../router";
import { applyEvent, mergeView, parseRunEvent, runFromView, type RunEvent, type RunView, type TaskView } from "../run";
import { follow, type Following } from "../sse";
import { canRetry, isFinal } from "../states";
import { approvalForm } from "./approval-form";
import { drawDag, type DagDrawing } from "./dagview";
import { errorNote } from "./common";

const MAX_EVENTS = 5000;

export const runView: View = (root, parts) => {
  const id = parts[1] ?? "";
  let closed = false;
  const gone = (): boolean => closed;
  let stream: Following | undefined;
  let timer: number | undefined;
  let run: RunView | undefined;
  let dag: DagDrawing | undefined;
  let selected = "";
  let drawn = false;
  const events: RunEvent[] = [];

  const status = h("div", { "aria-live": "polite" });
  const head = h("section", { class: "run-head", "data-testid": "run-head" });
  const actions = h("div", { class: "actions", "data-testid": "run-actions" });
  const cancelBox = h("div", { class: "cancel-box" });
  const dagBox = h("div", { class: "dag-wrap", "data-testid": "dag-wrap" });
  const taskTable = h("tbody", { "data-testid": "task-rows" });
  const detail = h("section", { class: "card detail", "data-testid": "task-detail", "aria-live": "polite" });
  const timeline = h("div", { class: "gantt", "data-testid": "gantt" });
  const eventList = h("ol", { class: "events", "data-testid": "events" });
  const eventCount = h("span", { class: "muted", "data-testid": "event-count" });
  root.append(
    h("p", { class: "crumbs" }, h("a", { href: hashOf(["runs"]) }, "Runs"), " / ", h("span", { class: "mono" }, id)),
    status, head, actions, cancelBox,
    h("div", { class: "run-grid" },
      h("section", { class: "card" }, h("h2", {}, "DAG"), dagBox,
        h("div", { class: "table-wrap" }, h("table", { class: "tasks" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Task"), h("th", { scope: "col" }, "State"),
            h("th", { scope: "col" }, "Attempts"), h("th", { scope: "col" }, "Duration"))),
          taskTable))),
      detail),
    h("section", { class: "card" }, h("h2", {}, "Timeline"), timeline),
    h("section", { class: "card" }, h("h2", {}, "Events ", eventCount), eventList),
  );

  const select = (taskId: string): void => {
    selected = taskId;
    scheduleDraw();
  };

  let pending = false;
  const scheduleDraw = (): void => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; draw(); });
  };

  const draw = (): void => {
    if (!run || closed) return;
    const r = run;
    drawHead(head, r);
    drawActions(r);
    const states = Object.fromEntries(Object.values(r.tasks).map((t) => [t.id, t.state]));
    dag?.update(states, selected);
    drawTaskRows(r);
    drawDetail(r);
    drawTimeline(r);
    drawn = true;
  };

  const order = (a: TaskView, b: TaskView): number => {
    const ai = dagOrder.get(a.id) ?? 1e9;
    const bi = dagOrder.get(b.id) ?? 1e9;
    return ai - bi || (a.id < b.id ? -1 : 1);
  };
  let dagOrder = new Map<string, number>();

  // Rows and buttons stay in place and only change, so a click is never
  // lost to a redraw.
  const rows = new Map<string, { tr: HTMLTableRowElement; state: HTMLElement; attempts: HTMLElement; duration: HTMLElement }>();
  const drawTaskRows = (r: RunView): void => {
    const sorted = Object.values(r.tasks).sort((a, b) => order(a, b));
    for (const t of sorted) {
      let row = rows.get(t.id);
      if (!row) {
        const state = h("td", {});
        const attempts = h("td", {});
        const dur = h("td", {});
        const tr = h("tr", { "data-testid": "task-row", "data-task-id": t.id },
          h("td", {}, h("button", { type: "button", class: "link", onclick: () => { select(t.id); } }, t.id)), state, attempts, dur);
        row = { tr, state, attempts, duration: dur };
        rows.set(t.id, row);
        taskTable.append(tr);
      }
      if (row.tr.dataset.state !== t.state) {
        row.tr.dataset.state = t.state;
        row.state.replaceChildren(badge(t.state, "task-state"));
      }
      row.tr.classList.toggle("selected", t.id === selected);
      row.attempts.textContent = String(t.attempts);
      row.duration.textContent = taskDuration(t);
    }
  };

  const cancelButton = h("button", { type: "button", class: "danger", "data-testid": "cancel-open", onclick: () => { openCancel(); } }, "Cancel…");
  const retryButton = h("button", { type: "button", "data-testid": "retry", onclick: () => { void doRetry(); } }, "Retry");
  actions.append(cancelButton, retryButton);
  const drawActions = (r: RunView): void => {
    cancelButton.disabled = isFinal(r.state);
    retryButton.disabled = !canRetry(r.state);
    if (isFinal(r.state)) cancelBox.replaceChildren();
  };

  const openCancel = (): void => {
    const reason = h("textarea", { id: "cancel-reason", name: "reason", rows: 2, "data-testid": "cancel-reason", "aria-required": "true" });
    const msg = h("div", { "aria-live": "polite" });
    const form = h("form", {
      class: "card cancel-form", "data-testid": "cancel-form",
      onsubmit: (e) => {
        e.preventDefault();
        const why = reason.value.trim();
        if (why === "") { msg.replaceChildren(note("Say why the run is cancelled.", "error")); return; }
        post(`/v1/cancel/${enc(id)}`, { reason: why }).then(() => {
          msg.replaceChildren(note("Cancelling…"));
        }, (err: unknown) => { msg.replaceChildren(errorNote(err)); });
      },
    },
    h("label", { for: "cancel-reason" }, "Why cancel this run? (recorded in the audit trail)"),
    reason,
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "danger", "data-testid": "cancel-confirm" }, "Cancel run"),
      h("button", { type: "button", "data-testid": "cancel-dismiss", onclick: () => { cancelBox.replaceChildren(); } }, "Keep it running")),
    msg);
    cancelBox.replaceChildren(form);
    reason.focus();
  };

  const doRetry = async (): Promise<void> => {
    try {
      const ans = obj(await post(`/v1/executions/${enc(id)}/retry`, { wait: false }));
      const newId = str(ans.workflow_id);
      if (newId !== "" && newId !== id) {
        location.hash = hashOf(["runs", newId]);
        return;
      }
      status.replaceChildren(note("Retrying…"));
      // Running again: its stream goes on past the old end.
      if (run) run = { ...run, state: "running" };
      startStream();
    } catch (e) {
      status.replaceChildren(errorNote(e));
    }
  };

  const drawDetail = (r: RunView): void => {
    const t = r.tasks[selected];
    if (!t) {
      fill(detail, h("h2", {}, "Task"), note("Select a task in the DAG to see its attempts, error and output.", "empty"));
      return;
    }
    if (detail.dataset.taskId === t.id && detail.dataset.state === t.state && detail.dataset.attempts === String(t.attempts)
      && detail.dataset.failures === String(t.failures.length)) {
      // Only the running duration moves; keep the form (and what is typed in it).
      const d = detail.querySelector("[data-testid=detail-duration]");
      if (d) d.textContent = taskDuration(t);
      return;
    }
    detail.dataset.taskId = t.id;
    detail.dataset.state = t.state;
    detail.dataset.attempts = String(t.attempts);
    detail.dataset.failures = String(t.failures.length);
    const spec = specTasks.get(t.id);
    fill(detail,
      h("h2", {}, "Task ", h("span", { class: "mono", "data-testid": "detail-task-id" }, t.id), " ", badge(t.state, "detail-state")),
      h("dl", { class: "facts" },
        spec?.type ? h("dt", {}, "Type") : null, spec?.type ? h("dd", {}, spec.type) : null,
        h("dt", {}, "Attempts"), h("dd", { "data-testid": "detail-attempts" }, t.attempts),
        h("dt", {}, "Duration"), h("dd", { "data-testid": "detail-duration" }, taskDuration(t)),
        h("dt", {}, "Started"), h("dd", {}, dateTime(t.startedAt)),
        h("dt", {}, "Ended"), h("dd", {}, dateTime(t.finishedAt)),
        t.cached ? h("dt", {}, "Cached") : null, t.cached ? h("dd", {}, "yes: the output came from the result cache") : null,
      ),
      t.error === "" ? null : h("div", {}, h("h3", {}, "Error"), h("pre", { class: "error-text", "data-testid": "detail-error" }, t.error)),
      t.failures.length === 0 ? null : h("div", {}, h("h3", {}, "Failed attempts"),
        h("ul", { class: "failures" }, ...t.failures.map((f) =>
          h("li", {}, `#${f.attempt}: ${f.error}`, f.backoffMs > 0 ? h("span", { class: "muted" }, ` (retry in ${duration(f.backoffMs)})`) : null)))),
      t.approval && t.state === "waiting" ? h("div", {}, h("h3", {}, "Approval"), approvalForm(t.approval, () => undefined)) : null,
      h("h3", {}, "Output"),
      h("pre", { class: "json", "data-testid": "detail-output" }, pretty(t.output)),
      t.meta === null || t.meta === undefined ? null : h("details", {}, h("summary", {}, "Meta"), h("pre", { class: "json" }, pretty(t.meta))),
    );
  };

  const axis = h("div", { class: "gantt-axis" });
  const bars = new Map<string, HTMLButtonElement>();
  const drawTimeline = (r: RunView): void => {
    const g = gantt(Object.values(r.tasks), Date.now());
    if (g.bars.length === 0) {
      fill(timeline, note("No task has started yet.", "empty"));
      return;
    }
    axis.replaceChildren(...g.ticks.map((t) => {
      const el = h("span", { class: "tick" }, t.label);
      el.style.left = `${t.pct}%`;
      return el;
    }));
    if (axis.parentElement !== timeline) {
      bars.clear();
      fill(timeline, axis);
    }
    for (const b of g.bars) {
      let bar = bars.get(b.id);
      if (!bar) {
        const id = b.id;
        bar = h("button", { type: "button", "data-testid": "gantt-bar", "data-task-id": id, onclick: () => { select(id); } });
        bars.set(id, bar);
        timeline.append(h("div", { class: "gantt-row" }, h("span", { class: "gantt-label mono" }, id), h("div", { class: "gantt-track" }, bar)));
      }
      bar.className = `bar st-${b.state}`;
      bar.dataset.state = b.state;
      bar.title = `${b.id}: ${b.state}, ${duration(b.end - b.start)}`;
      bar.style.left = `${b.leftPct}%`;
      bar.style.width = `${b.widthPct}%`;
    }
  };

  const addEvent = (e: RunEvent): void => {
    events.push(e);
    if (events.length > MAX_EVENTS) {
      events.shift();
      eventList.firstElementChild?.remove();
    }
    eventList.append(h("li", { "data-testid": "event", "data-kind": e.kind, "data-seq": e.seq },
      h("details", {},
        h("summary", {},
          h("span", { class: "seq mono" }, `#${e.seq}`), " ",
          h("span", { class: "when" }, dateTime(e.time)), " ",
          h("strong", {}, e.kind), " ", h("span", { class: "muted" }, eventSummary(e))),
        h("pre", { class: "json" }, pretty(e.raw)))));
    eventCount.textContent = `(${events.length})`;
  };

  const startStream = (): void => {
    stream?.close();
    stream = follow({
      url: `/v1/executions/${enc(id)}/events`,
      headers: authHeaders,
      lastEventId: run && run.seq > 0 ? String(run.seq) : undefined,
      onMessage: (m) => {
        if (m.event === "error") { status.replaceChildren(note(m.data, "error")); return; }
        const e = parseRunEvent(m.event, m.data, m.id);
        if (!e || !run) return;
        if (e.seq !== 0 && e.seq <= run.seq) return;
        run = applyEvent(run, e);
        addEvent(e);
        if (e.kind === "execution_ended") void refresh();
        scheduleDraw();
      },
      isDone: () => run !== undefined && isFinal(run.state),
      onRefused: (e) => {
        if (e.status === 401) unauthenticated(e.message);
        else status.replaceChildren(errorNote(e));
        return e.status >= 500;
      },
    });
  };

  const refresh = async (): Promise<void> => {
    try {
      const v = await get(`/v1/executions/${enc(id)}`);
      if (run) run = mergeView(run, v);
      scheduleDraw();
    } catch {
      // The stream's view stands.
    }
  };

  let specTasks = new Map<string, { type: string }>();

  const start = async (): Promise<void> => {
    let view: unknown;
    try {
      view = await get(`/v1/executions/${enc(id)}`);
    } catch (e) {
      status.replaceChildren(errorNote(e));
      return;
    }
    if (gone()) return;
    const v = obj(view);
    let input: DagInput = dagInput({}, Object.keys(obj(v.task_results)));
    try {
      const w = obj(await get(`/v1/workflows/${enc(str(v.workflow))}?version=${str(v.version) || "0"}`));
      input = dagInput(w.spec, Object.keys(obj(v.task_results)));
    } catch {
      // An archived or purged workflow: draw the tasks the run knows.
    }
    if (gone()) return;
    specTasks = new Map(input.nodes.map((n) => [n.id, { type: n.type }]));
    dagOrder = new Map(input.nodes.map((n, i) => [n.id, i]));
    run = runFromView(view, input.nodes.map((n) => n.id));
    // The history replays from the first event onto pending tasks.
    for (const t of Object.values(run.tasks)) {
      const before = t;
      run.tasks[t.id] = { ...before, state: "pending", attempts: 0, startedAt: undefined, finishedAt: undefined, output: null, error: "" };
    }
    run = { ...run, state: "pending" };
    dag = drawDag(input, select);
    fill(dagBox, input.nodes.length === 0 ? note("This run has no tasks.", "empty") : dag.svg);
    draw();
    startStream();
    timer = window.setInterval(() => {
      if (run && !isFinal(run.state) && drawn) scheduleDraw();
    }, 500);
  };
  void start();

  return () => {
    closed = true;
    stream?.close();
    if (timer !== undefined) clearInterval(timer);
  };
};

function drawHead(head: HTMLElement, r: RunView): void {
  const total = r.finishedAt !== undefined && r.startedAt !== undefined
    ? r.finishedAt - r.startedAt
    : r.startedAt !== undefined ? Date.now() - r.startedAt : r.durationMs;
  fill(head,
    h("h1", { class: "mono run-id", "data-testid": "run-id" }, r.id),
    h("dl", { class: "facts" },
      h("dt", {}, "State"), h("dd", {}, badge(r.state, "run-state")),
      h("dt", {}, "Workflow"), h("dd", {}, h("a", { href: hashOf(["workflows", r.workflow]) }, r.workflow), ` v${r.version}`),
      h("dt", {}, "Started"), h("dd", {}, dateTime(r.startedAt)),
      h("dt", {}, "Duration"), h("dd", { "data-testid": "run-duration" }, duration(r.durationMs > 0 && isFinal(r.state) ? r.durationMs : total)),
      r.startedBy === "" ? null : h("dt", {}, "Started by"), r.startedBy === "" ? null : h("dd", {}, r.startedBy),
      r.cancelledBy === "" ? null : h("dt", {}, "Cancelled by"), r.cancelledBy === "" ? null : h("dd", { "data-testid": "cancelled-by" }, r.cancelledBy),
    ),
    r.error === "" ? null : h("pre", { class: "error-text", "data-testid": "run-error" }, r.error),
  );
}

function taskDuration(t: TaskView): string {
  if (t.startedAt === undefined) return "";
  if (t.finishedAt !== undefined) return duration(t.durationMs > 0 ? t.durationMs : t.finishedAt - t.startedAt);
  return duration(Date.now() - t.startedAt);
}

function eventSummary(e: RunEvent): string {
  const b = e.body;
  switch (e.kind) {
    case "task_started": return `${str(b.task_id)} attempt ${str(b.attempt) || "1"}`;
    case "task_attempt_failed": return `${str(b.task_id)}: ${str(b.error)}`;
    case "task_ended": {
      const r = obj(b.result);
      return `${str(r.task_id)} ${str(r.status).toLowerCase().replace("task_state_", "")}`;
    }
    case "approval_requested": return `${str(b.task_id)}: ${str(b.message)}`;
    case "execution_ended": return `${str(b.status).toLowerCase().replace("execution_state_", "")}${str(b.error) === "" ? "" : `: ${str(b.error)}`}`;
    default: return "";
  }
}
