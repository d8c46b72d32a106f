// An approval's decision form: the values typed for the fields it asks
// for, checked and converted to the JSON the server expects.

import type { ApprovalField } from "./run";

export type Decision = "approve" | "reject";

export interface DecisionBody {
  decision: Decision;
  reason: string;
  input: Record<string, string | number | boolean>;
}

/** What the form holds: text for most fields, a checkbox's state for booleans. */
export type FormValues = Record<string, string | boolean>;

/**
 * The body of POST /v1/approvals/{execution}/{task}, or the problems
 * by field name. Required fields must be given to approve; a reject
 * sends whatever was given and needs none.
 */
export function decisionBody(
  fields: readonly ApprovalField[], values: FormValues, decision: Decision, reason: string,
): { ok: true; body: DecisionBody } | { ok: false; errors: Record<string, string> } {
  const input: DecisionBody["input"] = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (f.type === "boolean") {
      if (typeof v === "boolean") input[f.name] = v;
      else if (f.required && decision === "approve") input[f.name] = false;
      continue;
    }
    const text = typeof v === "string" ? v.trim() : "";
    if (text === "") {
      if (f.required && decision === "approve") errors[f.name] = "required";
      continue;
    }
    if (f.type === "string") {
      input[f.name] = typeof v === "string" ? v : text;
    } else {
      const n = Number(text);
      if (!Number.isFinite(n)) errors[f.name] = "expected a number";
      else if (f.type === "integer" && !Number.isInteger(n)) errors[f.name] = "expected a whole number";
      else input[f.name] = n;
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, body: { decision, reason: reason.trim(), input } };
}

/** "in 5 m", "2 m ago": a deadline relative to now. */
export function relative(at: number, now: number): string {
  const d = at - now;
  const a = Math.abs(d);
  const text = a < 60_000 ? `${Math.round(a / 1000)} s` : a < 3_600_000 ? `${Math.round(a / 60_000)} m` : `${Math.round(a / 3_600_000)} h`;
  return d >= 0 ? `in ${text}` : `${text} ago`;
}
