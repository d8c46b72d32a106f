// Schedules (next fire times, last and recent ticks) and triggers.

import { get } from "../api";
import { fill, h, note } from "../dom";
import { dateTime } from "../format";
import { arr, bool, num, obj, str, strs, timeMs } from "../json";
import { hashOf, type View } from "../router";
import { errorNote } from "./common";

function wfLink(name: string): HTMLElement {
  return h("a", { href: hashOf(["workflows", name]) }, name);
}

function enabled(on: boolean): HTMLElement {
  return h("span", { class: `badge ${on ? "st-succeeded" : "st-skipped"}` }, on ? "enabled" : "paused");
}

export const schedulesView: View = (root) => {
  const status = h("div", { "aria-live": "polite" });
  const list = h("div", { class: "cards", "data-testid": "schedules" });
  root.append(h("h1", {}, "Schedules"), status, list);
  get("/v1/schedules").then((ans) => {
    const all = arr(obj(ans).schedules).map(obj);
    if (all.length === 0) { fill(list, note("No schedules.", "empty")); return; }
    fill(list, ...all.map((s) => {
      const next = strs(s.next_fires);
      const recent = arr(s.recent).map(obj);
      return h("article", { class: "card", "data-testid": "schedule", "data-id": str(s.id) },
        h("h2", {}, h("span", { class: "mono" }, str(s.id)), " ", enabled(bool(s.enabled))),
        h("dl", { class: "facts" },
          h("dt", {}, "Workflow"), h("dd", {}, wfLink(str(s.workflow_name))),
          h("dt", {}, "Cron"), h("dd", { class: "mono" }, `${str(s.cron_expr)} (${str(s.timezone) || "UTC"})`),
          h("dt", {}, "Next fires"), h("dd", { "data-testid": "next-fires" }, next.length === 0 ? "none" : h("ul", { class: "plain" }, ...next.slice(0, 5).map((t) => h("li", {}, dateTime(timeMs(t)))))),
          h("dt", {}, "Last tick"), h("dd", { "data-testid": "last-tick" }, dateTime(timeMs(s.last_tick)) || "never"),
          h("dt", {}, "Policy"), h("dd", {}, `${str(s.concurrency_policy)}, at most ${num(s.max_concurrent) || "any number of"} at once; catch-up ${str(s.catch_up)}`),
          num(s.skipped) > 0 ? h("dt", {}, "Skipped") : null, num(s.skipped) > 0 ? h("dd", {}, num(s.skipped)) : null,
        ),
        recent.length === 0 ? null : h("details", {}, h("summary", {}, `Recent ticks (${recent.length})`),
          h("ul", { class: "plain", "data-testid": "recent-ticks" }, ...recent.map((t) => h("li", {},
            dateTime(timeMs(t.scheduled_at)), " ", h("strong", {}, str(t.outcome)), " ",
            str(t.execution_id) === "" ? h("span", { class: "muted" }, str(t.detail)) : h("a", { href: hashOf(["runs", str(t.execution_id)]) }, str(t.execution_id)))))));
    }));
  }, (e: unknown) => { status.replaceChildren(errorNote(e)); });
  return () => undefined;
};

export const triggersView: View = (root) => {
  const status = h("div", { "aria-live": "polite" });
  const body = h("tbody", { "data-testid": "triggers-body" });
  root.append(h("h1", {}, "Triggers"), status,
    h("div", { class: "table-wrap" }, h("table", { "data-testid": "triggers-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Id"), h("th", { scope: "col" }, "Event type"), h("th", { scope: "col" }, "Workflow"),
        h("th", { scope: "col", class: "wide" }, "Filter"), h("th", { scope: "col" }, "State"), h("th", { scope: "col", class: "wide" }, "Webhook"))),
      body)));
  get("/v1/triggers").then((ans) => {
    const all = arr(obj(ans).triggers).map(obj);
    if (all.length === 0) { fill(body, h("tr", {}, h("td", { colspan: 6 }, note("No triggers.", "empty")))); return; }
    fill(body, ...all.map((t) => h("tr", { "data-testid": "trigger", "data-id": str(t.id) },
      h("td", { class: "mono" }, str(t.id)),
      h("td", { class: "mono" }, str(t.event_type)),
      h("td", {}, wfLink(str(t.workflow_name))),
      h("td", { class: "wide mono" }, str(t.filter)),
      h("td", {}, enabled(bool(t.enabled))),
      h("td", { class: "wide" }, str(t.webhook_secret) === "" ? "unsigned" : bool(t.webhook_require_timestamp) ? "signed, with timestamp" : "signed"))));
  }, (e: unknown) => { status.replaceChildren(errorNote(e)); });
  return () => undefined;
};
