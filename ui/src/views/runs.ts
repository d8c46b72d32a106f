// The runs list: filters by workflow, state and start time, newest first,
// kept current by the server-wide feed (GET /v1/executions/stream).

import { authHeaders, get, unauthenticated } from "../api";
import { badge, fill, h, note } from "../dom";
import { duration, dateTime } from "../format";
import { arr, obj, str } from "../json";
import { hashOf, type View } from "../router";
import {
  applyChange, feedQuery, filterFromQuery, filterToQuery, listQuery, parseChange, rowFromView, upsert,
  type RunRow, type RunsFilter,
} from "../runs";
import { follow } from "../sse";
import { EXECUTION_STATES } from "../states";
import { errorNote, setLive, workflowNames } from "./common";

const PAGE = 50;
const LIMIT = 500;

export const runsView: View = (root, _parts, query) => {
  const filter = filterFromQuery(query);
  let rows: RunRow[] = [];
  let nextToken = "";
  const fetched = new Set<string>();
  let inFlight = 0;

  const wf = h("select", { id: "f-workflow", name: "workflow", "data-testid": "filter-workflow" },
    h("option", { value: "" }, "any"));
  const st = h("select", { id: "f-status", name: "status", "data-testid": "filter-status" },
    h("option", { value: "" }, "any"), ...EXECUTION_STATES.map((s) => h("option", { value: s }, s.replace("_", " "))));
  const from = h("input", { id: "f-from", name: "from", type: "datetime-local", "data-testid": "filter-from" });
  const to = h("input", { id: "f-to", name: "to", type: "datetime-local", "data-testid": "filter-to" });
  st.value = filter.status;
  from.value = filter.from;
  to.value = filter.to;
  if (filter.workflow !== "") wf.append(h("option", { value: filter.workflow }, filter.workflow));
  wf.value = filter.workflow;
  void workflowNames().then((names) => {
    for (const n of names) if (n !== filter.workflow) wf.append(h("option", { value: n }, n));
  });
  const apply = (): void => {
    const f: RunsFilter = { workflow: wf.value, status: st.value, from: from.value, to: to.value };
    location.hash = hashOf(["runs"], filterToQuery(f));
  };
  const form = h("form", { class: "filters", "data-testid": "runs-filters", onsubmit: (e) => { e.preventDefault(); apply(); } },
    field("Workflow", wf), field("State", st), field("From", from), field("To", to),
    h("div", { class: "filter-actions" },
      h("button", { type: "submit", class: "primary", "data-testid": "filter-apply" }, "Filter"),
      h("button", { type: "button", "data-testid": "filter-clear", onclick: () => { location.hash = hashOf(["runs"]); } }, "Clear")),
  );
  for (const el of [wf, st]) el.addEventListener("change", apply);

  const live = h("span", { class: "live", "data-testid": "feed-status" });
  setLive(live, false);
  const body = h("tbody", { "data-testid": "runs-body" });
  const table = h("table", { class: "runs", "data-testid": "runs-table" },
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, "Run"), h("th", { scope: "col" }, "Workflow"), h("th", { scope: "col" }, "State"),
      h("th", { scope: "col", class: "wide" }, "Started"), h("th", { scope: "col" }, "Duration"),
      h("th", { scope: "col", class: "wide" }, "By"))),
    body);
  const status = h("div", { "aria-live": "polite" });
  const more = h("button", { type: "button", "data-testid": "runs-more", hidden: true, onclick: () => { void load(nextToken); } }, "Older runs");

  root.append(
    h("div", { class: "title-row" }, h("h1", {}, "Runs"), live),
    form, status, h("div", { class: "table-wrap" }, table), more,
  );

  const draw = (): void => {
    fill(body, ...rows.map(rowEl));
    if (rows.length === 0) fill(body, h("tr", {}, h("td", { colspan: 6 }, note("No runs match.", "empty"))));
    more.hidden = nextToken === "";
  };

  const load = async (token: string): Promise<void> => {
    try {
      const page = obj(await get(`/v1/executions?${listQuery(filter, PAGE, token)}`));
      const got = arr(page.executions).map(rowFromView);
      rows = token === "" ? got : [...rows, ...got.filter((g) => !rows.some((r) => r.id === g.id))];
      nextToken = str(page.next_page_token);
      status.replaceChildren();
      draw();
    } catch (e) {
      status.replaceChildren(errorNote(e));
    }
  };

  const fetchRow = async (id: string): Promise<void> => {
    try {
      rows = upsert(rows, rowFromView(await get(`/v1/executions/${encodeURIComponent(id)}`)), filter, LIMIT);
      draw();
    } catch {
      // Gone or not ours to see: the list stays as it is.
    }
  };

  const fq = feedQuery(filter);
  const stream = follow({
    url: `/v1/executions/stream${fq === "" ? "" : `?${fq}`}`,
    headers: authHeaders,
    onStatus: (c) => { setLive(live, c); },
    onMessage: (m) => {
      const c = parseChange(m.data);
      if (!c) return;
      const r = applyChange(rows, c, filter, LIMIT);
      rows = r.rows;
      if (r.fetch !== undefined && !fetched.has(r.fetch)) {
        fetched.add(r.fetch);
        void fetchRow(r.fetch);
      } else if (c.kind === "execution_ended" && inFlight < 4 && rows.some((x) => x.id === c.id)) {
        // The feed does not say who started a run: read the ended row once (a few at a time).
        inFlight++;
        void fetchRow(c.id).finally(() => { inFlight--; });
      }
      draw();
    },
    onRefused: (e, f) => {
      if (e.status === 401) { unauthenticated(e.message); return false; }
      if (e.status === 400) { f.resetCursor(); void load(""); return true; }
      status.replaceChildren(errorNote(e));
      return e.status >= 500;
    },
  });
  void load("");
  return () => { stream.close(); };
};

function field(label: string, input: HTMLElement): HTMLElement {
  return h("div", { class: "field" }, h("label", { for: input.id }, label), input);
}

function rowEl(r: RunRow): HTMLTableRowElement {
  const href = hashOf(["runs", r.id]);
  return h("tr", { "data-testid": "run-row", "data-run-id": r.id, "data-state": r.state },
    h("td", { class: "mono id" }, h("a", { href, "data-testid": "run-link" }, r.id)),
    h("td", {}, h("a", { href: hashOf(["workflows", r.workflow]) }, r.workflow), h("span", { class: "muted" }, ` v${r.version}`)),
    h("td", {}, badge(r.state, "run-state")),
    h("td", { class: "wide" }, dateTime(r.startedAt)),
    h("td", {}, r.finishedAt === undefined ? (r.state === "running" || r.state === "waiting" ? "…" : "") : duration(r.durationMs)),
    h("td", { class: "wide" }, r.startedBy),
  );
}
