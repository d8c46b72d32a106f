// Cancel a run from its page with a reason; the reason shows in the run
// and in the audit view.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, openBrowser, screenshot, startRun, startServer, type Server, type Session } from "./harness";

let server: Server;
let session: Session;

beforeAll(async () => {
  server = await startServer();
  session = await openBrowser();
});

afterAll(async () => {
  await session.close();
  await server.stop();
});

describe("cancelling a run", () => {
  it("asks for a reason in the page and records it in the audit trail", async () => {
    const { page } = session;
    await api(server, "POST", "/v1/workflows", {
      name: "long", tasks: [{ id: "wait", type: "sleep", duration: "30s" }, { id: "then", type: "sleep", duration: "10ms", depends_on: ["wait"] }],
    });
    const id = await startRun(server, "long");
    await page.goto(`${server.ui}#/runs/${encodeURIComponent(id)}`);
    await page.locator("[data-testid=dag-node][data-task-id=wait][data-state=running]").waitFor({ timeout: 15_000 });
    expect(await page.locator("[data-testid=retry]").isDisabled()).toBe(true);

    await page.locator("[data-testid=cancel-open]").click();
    // An empty reason is refused in the page.
    await page.locator("[data-testid=cancel-confirm]").click();
    await page.locator("[data-testid=cancel-form] [data-testid=error]").waitFor();
    const reason = "False positive: the indicator is our own scanner";
    await page.locator("[data-testid=cancel-reason]").fill(reason);
    await page.locator("[data-testid=cancel-confirm]").click();

    await page.locator("[data-testid=run-head] [data-testid=run-state][data-state=cancelled]").waitFor({ timeout: 15_000 });
    await page.locator("[data-testid=dag-node][data-task-id=wait]:not([data-state=running])").waitFor();
    expect(await page.locator("[data-testid=retry]").isDisabled()).toBe(false);
    await screenshot(page, "cancelled.png");

    await page.locator("[data-testid=nav-audit]").click();
    const row = page.locator(`[data-testid=audit-row][data-action="execution.cancel"][data-target="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator("[data-testid=audit-reason]").textContent()).toBe(reason);
    await screenshot(page, "audit.png");

    // Retry from the run's page: it runs again, live on the same page.
    await page.locator(`[data-testid=audit-row][data-target="${id}"] a`).first().click();
    await page.locator("[data-testid=run-head] [data-testid=run-state][data-state=cancelled]").waitFor();
    await page.locator("[data-testid=retry]").click();
    await page.locator("[data-testid=dag-node][data-task-id=wait][data-state=running]").waitFor({ timeout: 15_000 });
    await page.locator("[data-testid=run-head] [data-testid=run-state][data-state=running]").waitFor();
    await page.locator("[data-testid=event][data-kind=execution_resumed]").waitFor();
    expect(session.problems).toEqual([]);
    // So that the server stops at once.
    await api(server, "POST", `/v1/cancel/${encodeURIComponent(id)}`, { reason: "test over" });
    await page.locator("[data-testid=run-head] [data-testid=run-state][data-state=cancelled]").waitFor();
  });
});
