// Login: paste a token (kept for this tab only). A server without JWT
// keys (local mode) needs none.

import { ApiError, get, setToken, token } from "../api";
import { h, note } from "../dom";
import { hashOf, type View } from "../router";

export const loginView: View = (root) => {
  const reason = sessionStorage.getItem("orchestrator.login-reason") ?? "";
  sessionStorage.removeItem("orchestrator.login-reason");
  const input = h("textarea", {
    id: "token", name: "token", rows: 4, autocomplete: "off", spellcheck: "false",
    "data-testid": "token-input", placeholder: "eyJhbGciOi…",
  });
  input.value = token();
  const status = h("div", { "aria-live": "polite" }, reason === "" ? null : note(`The server asks for a token: ${reason}`, "error"));
  const next = (): void => {
    const after = sessionStorage.getItem("orchestrator.after-login") ?? hashOf(["runs"]);
    sessionStorage.removeItem("orchestrator.after-login");
    location.hash = after.startsWith("#/login") ? hashOf(["runs"]) : after;
  };
  const form = h("form", {
    class: "card login", "data-testid": "login-form",
    onsubmit: (e) => {
      e.preventDefault();
      setToken(input.value.trim());
      status.replaceChildren(note("Checking…"));
      get("/v1/workflows").then(next, (err: unknown) => {
        const msg = err instanceof ApiError ? err.message : String(err);
        status.replaceChildren(note(`The server refused the token: ${msg}`, "error"));
      });
    },
  },
  h("h1", {}, "Sign in"),
  h("p", {}, "Paste a bearer token (an ", h("code", {}, "orchestrator token"), " or your identity provider's JWT). It is kept in this tab only."),
  h("label", { for: "token" }, "Token"),
  input,
  h("div", { class: "actions" },
    h("button", { type: "submit", class: "primary", "data-testid": "login-submit" }, "Sign in"),
    h("button", { type: "button", class: "link", "data-testid": "login-skip", onclick: () => { setToken(""); next(); } }, "Continue without a token"),
  ),
  status);
  root.append(form);
  return () => undefined;
};
