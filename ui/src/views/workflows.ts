// Workflows: the list (latest versions), and one workflow with its
// versions, the selected version's definition as YAML and its DAG, and a
// form that starts a run.

import { enc, get, post } from "../api";
import { dagInput } from "../dag";
import { fill, h, note } from "../dom";
import { dateTime } from "../format";
import { arr, bool, isObj, num, obj, str, timeMs } from "../json";
import { hashOf, type View } from "../router";
import { toYaml } from "../yaml";
import { errorNote } from "./common";
import { drawDag } from "./dagview";

export const workflowsView: View = (root, _parts, query) => {
  const archived = query.get("archived") === "1";
  const body = h("tbody", { "data-testid": "workflows-body" });
  const status = h("div", { "aria-live": "polite" });
  const toggle = h("input", {
    id: "wf-archived", type: "checkbox", checked: archived, "data-testid": "workflows-archived",
    onchange: () => { location.hash = hashOf(["workflows"], archived ? "" : "archived=1"); },
  });
  root.append(
    h("div", { class: "title-row" }, h("h1", {}, "Workflows"),
      h("div", { class: "field check" }, toggle, h("label", { for: "wf-archived" }, "Show archived"))),
    status,
    h("div", { class: "table-wrap" }, h("table", { "data-testid": "workflows-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Version"),
        h("th", { scope: "col" }, "Tasks"), h("th", { scope: "col", class: "wide" }, "Description"), h("th", { scope: "col", class: "wide" }, "Saved"))),
      body)));
  get(`/v1/workflows${archived ? "?include_archived=true" : ""}`).then((ans) => {
    const list = arr(obj(ans).workflows).map(obj);
    if (list.length === 0) fill(body, h("tr", {}, h("td", { colspan: 5 }, note("No workflows yet: POST one to /v1/workflows.", "empty"))));
    else fill(body, ...list.map((w) => {
      const spec = obj(w.spec);
      const name = str(spec.name);
      return h("tr", { "data-testid": "workflow-row", "data-name": name },
        h("td", {}, h("a", { href: hashOf(["workflows", name]) }, name), bool(w.archived) ? h("span", { class: "badge st-skipped" }, "archived") : null),
        h("td", {}, num(w.version)),
        h("td", {}, arr(spec.tasks).length),
        h("td", { class: "wide" }, str(spec.description)),
        h("td", { class: "wide" }, dateTime(timeMs(w.created_at))));
    }));
  }, (e: unknown) => { status.replaceChildren(errorNote(e)); });
  return () => undefined;
};

export const workflowView: View = (root, parts, query) => {
  const name = parts[1] ?? "";
  const status = h("div", { "aria-live": "polite" });
  const versions = h("ol", { class: "versions", "data-testid": "versions" });
  const yaml = h("pre", { class: "yaml", "data-testid": "workflow-yaml" });
  const dagBox = h("div", { class: "dag-wrap" });
  const heading = h("h2", {}, "Definition");
  const params = h("textarea", { id: "run-params", rows: 3, "data-testid": "run-params", spellcheck: "false" });
  params.value = "{}";
  const runMsg = h("div", { "aria-live": "polite" });
  const runForm = h("form", {
    class: "card", "data-testid": "run-form",
    onsubmit: (e) => {
      e.preventDefault();
      let parameters: unknown;
      try {
        parameters = JSON.parse(params.value === "" ? "{}" : params.value);
      } catch {
        runMsg.replaceChildren(note("Parameters must be a JSON object.", "error"));
        return;
      }
      if (!isObj(parameters)) { runMsg.replaceChildren(note("Parameters must be a JSON object.", "error")); return; }
      post("/v1/run", { workflow: name, parameters, wait: false }).then((ans) => {
        location.hash = hashOf(["runs", str(obj(ans).workflow_id)]);
      }, (err: unknown) => { runMsg.replaceChildren(errorNote(err)); });
    },
  },
  h("h2", {}, "Start a run"),
  h("label", { for: "run-params" }, "Parameters (JSON)"), params,
  h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", "data-testid": "run-start" }, "Run the latest version")),
  runMsg);
  root.append(
    h("p", { class: "crumbs" }, h("a", { href: hashOf(["workflows"]) }, "Workflows"), " / ", name),
    h("div", { class: "title-row" }, h("h1", { "data-testid": "workflow-name" }, name),
      h("a", { href: hashOf(["runs"], `workflow=${enc(name)}`), "data-testid": "workflow-runs" }, "Runs of it →")),
    status,
    h("div", { class: "wf-grid" },
      h("section", { class: "card" }, h("h2", {}, "Versions"), versions),
      h("section", { class: "card" }, heading, dagBox, yaml)),
    runForm,
  );
  get(`/v1/workflows/${enc(name)}/versions`).then((ans) => {
    const list = arr(obj(ans).workflows).map(obj);
    const latest = Math.max(0, ...list.map((w) => num(w.version)));
    const chosen = num(query.get("version")) || latest;
    fill(versions, ...[...list].reverse().map((w) => {
      const v = num(w.version);
      return h("li", { "data-testid": "version", "data-version": v, class: v === chosen ? "selected" : "" },
        h("a", { href: hashOf(["workflows", name], `version=${v}`), "aria-current": v === chosen ? "true" : undefined }, `v${v}`),
        " ", h("span", { class: "muted" }, dateTime(timeMs(w.created_at))),
        bool(w.archived) ? " (archived)" : "");
    }));
    const w = list.find((x) => num(x.version) === chosen);
    if (!w) { status.replaceChildren(note(`No version ${chosen}.`, "error")); return; }
    heading.textContent = `Definition, v${chosen}`;
    yaml.textContent = toYaml(w.spec ?? {});
    const input = dagInput(w.spec);
    if (input.nodes.length > 0) {
      const d = drawDag(input, () => undefined, true);
      dagBox.replaceChildren(d.svg);
    }
  }, (e: unknown) => { status.replaceChildren(errorNote(e)); });
  return () => undefined;
};
