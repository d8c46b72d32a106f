// An approval task waits (amber in the DAG); it is approved from the
// approvals view with a reason and the input it asks for; the run ends.
// Skipped against a server without approvals (GET /v1/approvals is 404).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, openBrowser, screenshot, startRun, startServer, type Server, type Session } from "./harness";

let server: Server;
let session: Session;
let hasApprovals = false;

beforeAll(async () => {
  server = await startServer();
  session = await openBrowser();
  hasApprovals = (await fetch(`${server.http}/v1/approvals`)).status !== 404;
});

afterAll(async () => {
  await session.close();
  await server.stop();
});

describe("approvals", () => {
  it("are decided from the page and the run completes", async (ctx) => {
    if (!hasApprovals) ctx.skip();
    const { page } = session;
    await api(server, "POST", "/v1/workflows", {
      name: "contain_host", description: "block a host once a person agrees",
      tasks: [
        { id: "enrich", type: "sleep", duration: "10ms" },
        {
          id: "confirm", type: "approval", depends_on: ["enrich"], message: "Block 203.0.113.7/32?",
          input: { ticket: { type: "string", required: true, description: "Change ticket" }, hours: { type: "integer", description: "How long to block" } },
          timeout: "1h", on_timeout: "reject",
        },
        { id: "block", type: "sleep", duration: "10ms", depends_on: ["confirm"] },
      ],
    });
    const id = await startRun(server, "contain_host");

    await page.goto(`${server.ui}#/runs/${encodeURIComponent(id)}`);
    await page.locator("[data-testid=dag-node][data-task-id=confirm][data-state=waiting]").waitFor({ timeout: 15_000 });
    await page.locator("[data-testid=run-head] [data-testid=run-state][data-state=waiting]").waitFor();
    // The waiting task's detail has the same decision form.
    await page.locator("[data-testid=dag-node][data-task-id=confirm]").click();
    await page.locator("[data-testid=task-detail] [data-testid=approval] [data-testid=approval-input-ticket]").waitFor();

    await page.locator("[data-testid=nav-approvals]").click();
    const card = page.locator(`[data-testid=approval][data-execution-id="${id}"][data-task-id=confirm]`);
    await card.waitFor({ timeout: 10_000 });
    expect(await card.locator("[data-testid=approval-message]").textContent()).toBe("Block 203.0.113.7/32?");
    await screenshot(page, "approvals.png");

    // A required field left empty is refused in the page.
    await card.locator("[data-testid=approve]").click();
    await card.locator("[data-testid=error]").waitFor();
    await card.locator("[data-testid=approval-input-ticket]").fill("CHG-1234");
    await card.locator("[data-testid=approval-input-hours]").fill("4");
    await card.locator("[data-testid=approval-reason]").fill("confirmed with the host's owner");
    await card.locator("[data-testid=approve]").click();
    await card.waitFor({ state: "detached", timeout: 10_000 });

    await page.goto(`${server.ui}#/runs/${encodeURIComponent(id)}`);
    await page.locator("[data-testid=run-head] [data-testid=run-state][data-state=completed]").waitFor({ timeout: 15_000 });
    await page.locator("[data-testid=dag-node][data-task-id=confirm]").click();
    const output = JSON.parse((await page.locator("[data-testid=detail-output]").textContent()) ?? "null") as Record<string, unknown>;
    expect(output).toMatchObject({ decision: "approve", reason: "confirmed with the host's owner", input: { ticket: "CHG-1234", hours: 4 } });
    expect(session.problems).toEqual([]);
  });
});
