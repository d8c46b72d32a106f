// The dashboard's shell: the header with its navigation, and the view the
// hash names. Each view returns a function that stops what it started
// (its live streams, timers) when the user navigates away.

import "./style.css";
import { token, setToken, whenUnauthenticated } from "./api";
import { h, fill } from "./dom";
import { hashOf, parseHash, type Cleanup, type View } from "./router";
import { approvalsView } from "./views/approvals";
import { auditView } from "./views/audit";
import { loginView } from "./views/login";
import { runView } from "./views/run";
import { runsView } from "./views/runs";
import { schedulesView, triggersView } from "./views/schedules";
import { workflowView, workflowsView } from "./views/workflows";

const NAV: [string, string][] = [
  ["runs", "Runs"], ["workflows", "Workflows"], ["schedules", "Schedules"],
  ["triggers", "Triggers"], ["approvals", "Approvals"], ["audit", "Audit"],
];

function view(parts: string[]): View {
  const [first, second] = parts;
  switch (first) {
    case "runs": return second === undefined ? runsView : runView;
    case "workflows": return second === undefined ? workflowsView : workflowView;
    case "schedules": return schedulesView;
    case "triggers": return triggersView;
    case "approvals": return approvalsView;
    case "audit": return auditView;
    case "login": return loginView;
    default: return runsView;
  }
}

const main = h("main", { id: "view", "data-testid": "view" });
const signOut = h("button", {
  type: "button", class: "link", "data-testid": "sign-out",
  onclick: () => { setToken(""); location.hash = hashOf(["login"]); },
}, "Sign out");
const links = NAV.map(([path, label]) => h("a", { href: hashOf([path]), "data-testid": `nav-${path}` }, label));
const header = h("header", { class: "top" },
  h("a", { class: "brand", href: hashOf(["runs"]) }, "Orchestrator"),
  h("nav", { "aria-label": "Views" }, ...links),
  signOut,
);

let cleanup: Cleanup = () => undefined;

function render(): void {
  cleanup();
  const { parts, query } = parseHash(location.hash);
  if (parts.length === 0) {
    location.replace(hashOf(["runs"]));
    return;
  }
  for (const a of links) a.classList.toggle("active", a.getAttribute("href") === hashOf([parts[0] ?? ""]));
  signOut.hidden = token() === "";
  fill(main);
  main.dataset.view = parts[0] ?? "";
  cleanup = view(parts)(main, parts, query);
}

whenUnauthenticated((message) => {
  const { parts } = parseHash(location.hash);
  if (parts[0] === "login") return;
  sessionStorage.setItem("orchestrator.login-reason", message);
  sessionStorage.setItem("orchestrator.after-login", location.hash);
  location.hash = hashOf(["login"]);
});

document.body.append(header, main);
window.addEventListener("hashchange", render);
render();
