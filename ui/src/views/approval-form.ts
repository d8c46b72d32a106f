// The form that decides one approval: the input it asks for, a reason,
// Approve and Reject. Used on the approvals view and on a waiting task.

import { ApiError, enc, post } from "../api";
import { decisionBody, relative, type Decision, type FormValues } from "../approvals";
import { h, note } from "../dom";
import { dateTime } from "../format";
import { obj, str } from "../json";
import type { ApprovalRequest } from "../run";
import { hashOf } from "../router";

export function approvalForm(a: ApprovalRequest, onDecided: (decision: Decision) => void): HTMLElement {
  const key = `${a.executionId}-${a.taskId}`.replace(/[^A-Za-z0-9_-]/g, "_");
  const inputs = new Map<string, HTMLInputElement | HTMLTextAreaElement>();
  const errors = new Map<string, HTMLElement>();
  const fields = a.input.map((f) => {
    const id = `ap-${key}-${f.name}`;
    const input = f.type === "boolean"
      ? h("input", { id, name: f.name, type: "checkbox", "data-testid": `approval-input-${f.name}` })
      : h("input", {
          id, name: f.name, type: f.type === "string" ? "text" : "number", step: f.type === "integer" ? "1" : "any",
          "data-testid": `approval-input-${f.name}`, required: f.required,
        });
    inputs.set(f.name, input);
    const err = h("span", { class: "field-error", role: "alert" });
    errors.set(f.name, err);
    return h("div", { class: f.type === "boolean" ? "field check" : "field" },
      h("label", { for: id }, f.name, f.required ? h("span", { class: "req", title: "required to approve" }, " *") : null),
      input,
      f.description === "" ? null : h("small", { class: "muted" }, f.description),
      err);
  });
  const reasonId = `ap-${key}-reason`;
  const reason = h("textarea", { id: reasonId, name: "reason", rows: 2, "data-testid": "approval-reason" });
  const status = h("div", { "aria-live": "polite" });
  const buttons: HTMLButtonElement[] = [];
  const decide = async (decision: Decision): Promise<void> => {
    const values: FormValues = {};
    for (const [name, el] of inputs) values[name] = el instanceof HTMLInputElement && el.type === "checkbox" ? el.checked : el.value;
    for (const e of errors.values()) e.textContent = "";
    const r = decisionBody(a.input, values, decision, reason.value);
    if (!r.ok) {
      for (const [name, msg] of Object.entries(r.errors)) {
        const e = errors.get(name);
        if (e) e.textContent = msg;
      }
      status.replaceChildren(note("Some fields need a value.", "error"));
      return;
    }
    for (const b of buttons) b.disabled = true;
    try {
      const ans = obj(await post(`/v1/approvals/${enc(a.executionId)}/${enc(a.taskId)}`, r.body));
      const by = str(ans.decided_by);
      status.replaceChildren(note(`${decision === "approve" ? "Approved" : "Rejected"}${by === "" ? "" : ` by ${by}`}.`));
      onDecided(decision);
    } catch (e) {
      for (const b of buttons) b.disabled = false;
      const msg = e instanceof ApiError ? (e.status === 403 ? `Not allowed: ${e.message}` : e.message) : String(e);
      status.replaceChildren(note(msg, "error"));
    }
  };
  const approve = h("button", { type: "button", class: "primary", "data-testid": "approve", onclick: () => { void decide("approve"); } }, "Approve");
  const reject = h("button", { type: "button", class: "danger", "data-testid": "reject", onclick: () => { void decide("reject"); } }, "Reject");
  buttons.push(approve, reject);
  const now = Date.now();
  return h("form", {
    class: "card approval", "data-testid": "approval", "data-execution-id": a.executionId, "data-task-id": a.taskId,
    onsubmit: (e) => { e.preventDefault(); },
  },
  h("p", { class: "approval-message", "data-testid": "approval-message" }, a.message === "" ? `Task ${a.taskId} asks for a decision.` : a.message),
  h("dl", { class: "facts" },
    h("dt", {}, "Run"), h("dd", {}, h("a", { href: hashOf(["runs", a.executionId]) }, a.executionId)),
    h("dt", {}, "Task"), h("dd", {}, a.taskId),
    a.workflow === "" ? null : h("dt", {}, "Workflow"), a.workflow === "" ? null : h("dd", {}, a.workflow),
    h("dt", {}, "Approvers"), h("dd", {}, a.approvers.length === 0 ? "anyone allowed to decide" : a.approvers.join(", ")),
    a.permission === "" ? null : h("dt", {}, "Permission"), a.permission === "" ? null : h("dd", {}, a.permission),
    a.requestedAt === undefined ? null : h("dt", {}, "Asked"), a.requestedAt === undefined ? null : h("dd", {}, dateTime(a.requestedAt)),
    h("dt", {}, "Deadline"),
    h("dd", {}, a.deadline === undefined ? "none" : `${dateTime(a.deadline)} (${relative(a.deadline, now)}), then ${a.onTimeout}`),
  ),
  ...fields,
  h("div", { class: "field" }, h("label", { for: reasonId }, "Reason"), reason),
  h("div", { class: "actions" }, approve, reject),
  status);
}
