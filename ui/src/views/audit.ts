// The audit trail: who changed what and why, newest first, a page at a
// time, filtered by actor, action or target. Needs the admin permission.

import { get } from "../api";
import { h, note } from "../dom";
import { dateTime } from "../format";
import { arr, obj, str, timeMs } from "../json";
import { hashOf, type View } from "../router";
import { errorNote } from "./common";

const PAGE = 50;

export const auditView: View = (root, _parts, query) => {
  const labels = { actor: "Actor", action: "Action", target: "Target" };
  const inputs = (["actor", "action", "target"] as const).map((k) => {
    const el = h("input", { id: `audit-${k}`, name: k, type: "text", "data-testid": `audit-${k}` });
    el.value = query.get(k) ?? "";
    return [k, el] as const;
  });
  const status = h("div", { "aria-live": "polite" });
  const body = h("tbody", { "data-testid": "audit-body" });
  let nextToken = "";
  const more = h("button", { type: "button", hidden: true, "data-testid": "audit-more", onclick: () => { void load(); } }, "Older records");
  const form = h("form", {
    class: "filters", "data-testid": "audit-filters",
    onsubmit: (e) => {
      e.preventDefault();
      const q = new URLSearchParams();
      for (const [k, el] of inputs) if (el.value.trim() !== "") q.set(k, el.value.trim());
      location.hash = hashOf(["audit"], q.toString());
    },
  },
  ...inputs.map(([k, el]) => h("div", { class: "field" }, h("label", { for: el.id }, labels[k]), el)),
  h("div", { class: "filter-actions" }, h("button", { type: "submit", class: "primary" }, "Filter"),
    h("button", { type: "button", "data-testid": "audit-refresh", onclick: () => { nextToken = ""; body.replaceChildren(); void load(); } }, "Refresh")));
  root.append(h("h1", {}, "Audit trail"), form, status,
    h("div", { class: "table-wrap" }, h("table", { "data-testid": "audit-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "When"), h("th", { scope: "col" }, "Who"), h("th", { scope: "col" }, "Action"),
        h("th", { scope: "col" }, "Target"), h("th", { scope: "col" }, "Reason"))),
      body)),
    more);

  const load = async (): Promise<void> => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    for (const [k, el] of inputs) if (el.value.trim() !== "") q.set(k, el.value.trim());
    if (nextToken !== "") q.set("page_token", nextToken);
    try {
      const ans = obj(await get(`/v1/audit?${q.toString()}`));
      const records = arr(ans.records).map(obj);
      nextToken = str(ans.next_page_token);
      more.hidden = nextToken === "";
      status.replaceChildren();
      if (records.length === 0 && body.childElementCount === 0) body.append(h("tr", {}, h("td", { colspan: 5 }, note("No records.", "empty"))));
      body.append(...records.map((r) => {
        const target = str(r.target);
        const action = str(r.action);
        return h("tr", { "data-testid": "audit-row", "data-action": action, "data-target": target },
          h("td", {}, dateTime(timeMs(r.time))),
          h("td", {}, str(r.actor)),
          h("td", { class: "mono" }, action),
          h("td", { class: "mono id" }, action.startsWith("execution.") ? h("a", { href: hashOf(["runs", target]) }, target) : target),
          h("td", { "data-testid": "audit-reason" }, str(r.reason)));
      }));
    } catch (e) {
      status.replaceChildren(errorNote(e));
    }
  };
  void load();
  return () => undefined;
};
