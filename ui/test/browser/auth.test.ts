// Against a server with JWT keys: the dashboard asks for a token, takes a
// pasted one, shows a 403's reason, and signs out.

import { join } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeToken, openBrowser, startServer, writeSecret, type Server, type Session } from "./harness";

let server: Server;
let session: Session;
let keys: string;
let secret: string;

beforeAll(async () => {
  keys = mkdtempSync(join(tmpdir(), "orchestrator-ui-keys-"));
  secret = writeSecret(keys);
  server = await startServer({ AUTH_JWT_SECRET_FILE: secret });
  session = await openBrowser();
});

afterAll(async () => {
  await session.close();
  await server.stop();
  rmSync(keys, { recursive: true, force: true });
});

describe("login", () => {
  it("asks for a token, uses it, and shows what it may not do", async () => {
    const { page } = session;
    const reader = makeToken(server, secret, "reader", ["workflows:read"]);
    const admin = makeToken(server, secret, "root", ["workflows:read", "workflows:write", "workflows:run", "workflows:cancel", "admin"]);

    await page.goto(`${server.ui}#/runs`);
    await page.locator("[data-testid=login-form]").waitFor();
    expect(page.url()).toContain("#/login");
    await page.locator("[data-testid=login-form] [data-testid=error]").waitFor();

    await page.locator("[data-testid=token-input]").fill("not-a-token");
    await page.locator("[data-testid=login-submit]").click();
    await page.locator("[data-testid=login-form] [data-testid=error]", { hasText: "refused" }).waitFor();

    await page.locator("[data-testid=token-input]").fill(reader);
    await page.locator("[data-testid=login-submit]").click();
    await page.locator("[data-testid=runs-table]").waitFor();
    await page.locator("[data-testid=feed-status][data-live=true]").waitFor();

    await page.locator("[data-testid=nav-audit]").click();
    const denied = page.locator("[data-testid=error]", { hasText: "Not allowed" });
    await denied.waitFor();
    expect(await denied.textContent()).toMatch(/admin/);

    await page.locator("[data-testid=sign-out]").click();
    await page.locator("[data-testid=login-form]").waitFor();
    await page.locator("[data-testid=token-input]").fill(admin);
    await page.locator("[data-testid=login-submit]").click();
    await page.locator("[data-testid=runs-table]").waitFor();
    await page.locator("[data-testid=nav-audit]").click();
    await page.locator("[data-testid=audit-table]").waitFor();
    await expect.poll(() => page.locator("[data-testid=view] [data-testid=error]").count()).toBe(0);
    expect(session.problems.filter((p) => !p.includes("401") && !p.includes("403"))).toEqual([]);
  });
});
