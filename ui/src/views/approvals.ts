// Pending approvals (GET /v1/approvals), each with its decision form;
// refreshed by the server-wide feed when approvals are asked for or end.

import { authHeaders, get, unauthenticated } from "../api";
import { fill, h, note } from "../dom";
import { arr, obj } from "../json";
import { approvalFrom } from "../run";
import { parseChange } from "../runs";
import { follow } from "../sse";
import type { View } from "../router";
import { errorNote, setLive } from "./common";
import { approvalForm } from "./approval-form";

export const approvalsView: View = (root, _parts, query) => {
  const status = h("div", { "aria-live": "polite" });
  const list = h("div", { class: "cards", "data-testid": "approvals" });
  const live = h("span", { class: "live", "data-testid": "feed-status" });
  setLive(live, false);
  root.append(h("div", { class: "title-row" }, h("h1", {}, "Approvals"), live), status, list);
  const shown = new Set<string>();
  const filter = new URLSearchParams();
  for (const k of ["workflow", "execution_id"]) {
    const v = query.get(k);
    if (v !== null && v !== "") filter.set(k, v);
  }
  const load = async (): Promise<void> => {
    try {
      const ans = obj(await get(`/v1/approvals${filter.size > 0 ? `?${filter.toString()}` : ""}`));
      const all = arr(ans.approvals).map((a) => approvalFrom(obj(a), "", ""));
      status.replaceChildren();
      const keys = new Set(all.map((a) => `${a.executionId}/${a.taskId}`));
      // Keep the forms that are still pending (and what is typed in them).
      for (const el of [...list.querySelectorAll<HTMLElement>("[data-testid=approval]")]) {
        const k = `${el.dataset.executionId ?? ""}/${el.dataset.taskId ?? ""}`;
        if (!keys.has(k)) { el.remove(); shown.delete(k); }
      }
      for (const a of all) {
        const k = `${a.executionId}/${a.taskId}`;
        if (shown.has(k)) continue;
        shown.add(k);
        list.append(approvalForm(a, () => { void load(); }));
      }
      list.querySelector("[data-testid=note]")?.remove();
      if (all.length === 0) fill(list, note("Nothing waits for a decision.", "empty"));
    } catch (e) {
      status.replaceChildren(errorNote(e));
    }
  };
  const stream = follow({
    url: "/v1/executions/stream",
    headers: authHeaders,
    onStatus: (c) => { setLive(live, c); },
    onMessage: (m) => {
      const c = parseChange(m.data);
      if (!c) return;
      const ours = c.kind === "task_ended" ? shown.has(`${c.id}/${c.taskId}`)
        : c.kind === "execution_ended" ? [...shown].some((k) => k.startsWith(`${c.id}/`)) : c.kind === "approval_requested";
      if (ours) void load();
    },
    onRefused: (e, f) => {
      if (e.status === 401) { unauthenticated(e.message); return false; }
      if (e.status === 400) { f.resetCursor(); return true; }
      return e.status >= 500;
    },
  });
  void load();
  return () => { stream.close(); };
};
