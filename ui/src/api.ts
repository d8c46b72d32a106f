// The REST API as the dashboard calls it: the user's token (pasted at
// login, kept for the browser tab in sessionStorage) on every request;
// 401 sends the user to the login view, other refusals carry the
// server's `{code, message}`.

import { obj, str } from "./json";

const TOKEN_KEY = "orchestrator.token";

export function token(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

export function setToken(t: string): void {
  if (t === "") sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, t);
}

/** The Authorization header, when there is a token. */
export function authHeaders(): Record<string, string> {
  const t = token();
  return t === "" ? {} : { Authorization: `Bearer ${t}` };
}

/** A refusal: the HTTP status and the server's code and message. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: string[] = []) {
    super(message);
    this.name = "ApiError";
  }
}

let onUnauthenticated: (message: string) => void = () => undefined;

/** What to do when the server asks for (another) token. */
export function whenUnauthenticated(f: (message: string) => void): void {
  onUnauthenticated = f;
}

/** Answers a 401 the way every call does: to the login view. */
export function unauthenticated(message: string): void {
  onUnauthenticated(message);
}

/** One call; the JSON answer, or an ApiError. */
export async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { Accept: "application/json", ...authHeaders() };
  const init: RequestInit = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, "UNAVAILABLE", `the server did not answer: ${e instanceof Error ? e.message : String(e)}`);
  }
  const json = parseJson(await res.text());
  if (res.ok) return json;
  const o = obj(json);
  const message = str(o.message) || `${res.status} ${res.statusText}`;
  const err = new ApiError(res.status, str(o.code), message, Array.isArray(o.details) ? o.details.map(str) : []);
  if (res.status === 401) unauthenticated(message);
  throw err;
}

function parseJson(text: string): unknown {
  try {
    return text === "" ? null : (JSON.parse(text) as unknown);
  } catch {
    return null;
  }
}

export const get = (path: string): Promise<unknown> => call("GET", path);
export const post = (path: string, body?: unknown): Promise<unknown> => call("POST", path, body ?? {});

export const enc = encodeURIComponent;
