// Pieces several views share: error display, workflow names for filters,
// the live indicator.

import { ApiError, get } from "../api";
import { arr, obj, str } from "../json";
import { note } from "../dom";

/** A refusal or failure as the user reads it (403 gives the server's reason). */
export function errorNote(e: unknown): HTMLParagraphElement {
  if (e instanceof ApiError) {
    const prefix = e.status === 403 ? "Not allowed: " : e.status === 404 ? "Not found: " : "";
    return note(prefix + e.message, "error");
  }
  return note(e instanceof Error ? e.message : String(e), "error");
}

/** The names of the workflows, sorted; [] when they cannot be listed. */
export async function workflowNames(): Promise<string[]> {
  try {
    const list = arr(obj(await get("/v1/workflows")).workflows);
    return list.map((w) => str(obj(obj(w).spec).name)).filter((n) => n !== "").sort();
  } catch {
    return [];
  }
}

/** Sets a live indicator: "live" while a stream is connected. */
export function setLive(el: HTMLElement, connected: boolean): void {
  el.dataset.live = connected ? "true" : "false";
  el.textContent = connected ? "● live" : "○ reconnecting";
  el.title = connected ? "Receiving changes as they happen" : "Connection lost; reconnecting";
}
