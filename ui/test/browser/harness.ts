// What the browser tests share: a server of their own (the debug binary on
// free loopback ports, a fresh data dir), Debian's chromium driven by
// playwright-core, REST calls, and screenshots saved as CI artefacts.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from "node:fs";
import { createServer, request as httpRequest, type Server as HttpServer } from "node:http";
import { tmpdir, homedir } from "node:os";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const uiDir = resolve(here, "../..");
export const repoRoot = resolve(uiDir, "..");

export function serverBinary(): string {
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), ".cache/orchestrator/target");
  return process.env.ORCHESTRATOR_BIN ?? join(target, "debug/orchestrator");
}

export interface Server {
  /** The REST base, http://127.0.0.1:PORT. */
  http: string;
  /** Where the dashboard is: `${http}/ui/`. */
  ui: string;
  /** The data and scratch directory. */
  work: string;
  /** The server's stderr so far. */
  log: () => string;
  stop: () => Promise<void>;
}

/** Starts `orchestrator serve` on free loopback ports with a fresh store; resolves once it listens. */
export async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const bin = serverBinary();
  if (!existsSync(bin)) throw new Error(`no server binary at ${bin} (cargo build first, or set ORCHESTRATOR_BIN)`);
  const work = mkdtempSync(join(tmpdir(), "orchestrator-ui-"));
  const child = spawn(bin, ["serve", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--data-dir", join(work, "data")], {
    cwd: repoRoot, env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn", ...env }, stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
  const http = await new Promise<string>((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => { fail(new Error(`the server did not start in 60 s:\n${stderr}`)); }, 60_000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = /^listening grpc=(\S+) http=(\S+)/m.exec(out);
      if (m?.[2] !== undefined) { clearTimeout(timer); ok(`http://${m[2]}`); }
    });
    child.on("exit", (code) => { clearTimeout(timer); fail(new Error(`the server exited (${code}):\n${stderr}`)); });
  });
  let proxy: HttpServer | undefined;
  let ui = `${http}/ui/`;
  const probe = await fetch(ui);
  if (probe.status === 404) {
    // The gateway does not serve the dashboard (an older binary): serve
    // dist/ here, same-origin with the API, under the same CSP.
    proxy = await devProxy(http);
    const a = proxy.address();
    ui = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}/ui/`;
    process.stderr.write(`harness: the server has no /ui/ route; serving ui/dist from ${ui}\n`);
  }
  return {
    http, ui, work, log: () => stderr,
    stop: async () => {
      proxy?.close();
      await stopChild(child);
      rmSync(work, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((ok) => { child.once("exit", () => { ok(); }); });
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(t);
}

const CSP = "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'";
const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml" };

function devProxy(api: string): Promise<HttpServer> {
  const target = new URL(api);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/ui" || url.pathname.startsWith("/ui/")) {
      const rel = url.pathname.replace(/^\/ui\/?/, "") || "index.html";
      const file = resolve(uiDir, "dist", rel);
      if (!file.startsWith(resolve(uiDir, "dist")) || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Content-Security-Policy": CSP });
      res.end(readFileSync(file));
      return;
    }
    const up = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => { res.destroy(); });
    req.pipe(up);
  });
  return new Promise((ok) => { server.listen(0, "127.0.0.1", () => { ok(server); }); });
}

/** A REST call; the JSON answer (throws on a refusal). */
export async function api(s: Server, method: string, path: string, body?: unknown, token?: string): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(`${s.http}${path}`, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text === "" ? {} : JSON.parse(text)) as Record<string, unknown>;
}

/** Starts a run without waiting; its execution id. */
export async function startRun(s: Server, workflow: string, token?: string): Promise<string> {
  const ans = await api(s, "POST", "/v1/run", { workflow, parameters: {}, wait: false }, token);
  return String(ans.workflow_id);
}

/** An HS256 secret file and a token for it (`orchestrator token`). */
export function makeToken(s: Server, secretFile: string, sub: string, permissions: string[]): string {
  const r = spawnSync(serverBinary(), ["token", "--secret-file", secretFile, "--sub", sub, "--permissions", permissions.join(","), "--ttl", "1h"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`orchestrator token failed: ${r.stderr}`);
  return r.stdout.trim();
}

export function writeSecret(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const f = join(dir, "jwt-secret");
  writeFileSync(f, "a-test-secret-of-at-least-thirty-two-bytes-0123456789", { mode: 0o600 });
  return f;
}

export interface Session {
  browser: Browser;
  page: Page;
  /** Console errors and CSP violations the page reported. */
  problems: string[];
  close: () => Promise<void>;
}

/** Debian's chromium (no browser download), one page at the given size. */
export async function openBrowser(viewport = { width: 1280, height: 860 }): Promise<Session> {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, colorScheme: "light", locale: "en-GB", timezoneId: "UTC" });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
  page.on("pageerror", (e) => { problems.push(e.message); });
  return { browser, page, problems, close: () => browser.close() };
}

/** The screenshots docs/dashboard.md shows. */
const DOCUMENTED = new Set(["runs-list.png", "dag.png", "phone.png", "approvals.png"]);

/** Saves a screenshot as a CI artefact, and (the documented ones) under docs/screenshots/ when UPDATE_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  const dir = resolve(repoRoot, process.env.UI_ARTIFACTS ?? "ui/test-results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  await page.screenshot({ path: file, fullPage });
  if (process.env.UPDATE_SCREENSHOTS === "1" && DOCUMENTED.has(name)) {
    const docs = join(repoRoot, "docs/screenshots");
    mkdirSync(docs, { recursive: true });
    copyFileSync(file, join(docs, name));
  }
  return file;
}

/** The diamond of four `sleep` tasks, each `ms` long. */
export function diamond(name: string, ms: number): unknown {
  const d = `${ms}ms`;
  return {
    name, description: "four sleep tasks in a diamond: top, then left and right at once, then bottom",
    tasks: [
      { id: "top", type: "sleep", duration: d },
      { id: "left", type: "sleep", duration: d, depends_on: ["top"] },
      { id: "right", type: "sleep", duration: d, depends_on: ["top"] },
      { id: "bottom", type: "sleep", duration: d, depends_on: ["left", "right"] },
    ],
  };
}
