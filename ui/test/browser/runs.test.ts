// A run started through the API appears in the runs list without a
// reload; its DAG turns green live; the same views fit a phone.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, diamond, openBrowser, screenshot, startRun, startServer, type Server, type Session } from "./harness";

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

describe("the runs list and a run's DAG", () => {
  it("shows a new run live and colours its DAG as the tasks run", async () => {
    const { page } = session;
    await api(server, "POST", "/v1/workflows", diamond("diamond", 600));
    await api(server, "POST", "/v1/workflows", {
      name: "too_slow", description: "a task over its time limit",
      tasks: [{ id: "wait", type: "sleep", duration: "2s", timeout: "100ms" }, { id: "after", type: "sleep", duration: "10ms", depends_on: ["wait"] }],
    });
    await api(server, "POST", "/v1/run", { workflow: "too_slow", wait: true }).catch(() => undefined);
    await api(server, "POST", "/v1/run", { workflow: "diamond", wait: true });

    await page.goto(`${server.ui}#/runs`);
    await page.locator("[data-testid=feed-status][data-live=true]").waitFor();
    await expect.poll(() => page.locator("[data-testid=run-row]").count()).toBe(2);

    const id = await startRun(server, "diamond");
    const row = page.locator(`[data-testid=run-row][data-run-id="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    await page.locator(`[data-testid=run-row][data-run-id="${id}"][data-state=completed]`).waitFor({ timeout: 20_000 });
    expect(await page.locator("[data-testid=run-row]").count()).toBe(3);
    await screenshot(page, "runs-list.png");

    // A second run, watched on its page from the start.
    const next = await startRun(server, "diamond");
    await page.goto(`${server.ui}#/runs/${encodeURIComponent(next)}`);
    const nodes = page.locator("[data-testid=dag-node]");
    await expect.poll(() => nodes.count()).toBe(4);
    // Record every state each node shows, to prove they changed live.
    await page.evaluate(() => {
      const seen: Record<string, string[]> = {};
      (window as unknown as { seen: typeof seen }).seen = seen;
      const note = (el: Element): void => {
        const id = el.getAttribute("data-task-id") ?? "";
        const st = el.getAttribute("data-state") ?? "";
        const list = (seen[id] ??= []);
        if (list.at(-1) !== st) list.push(st);
      };
      document.querySelectorAll("[data-testid=dag-node]").forEach(note);
      const dag = document.querySelector("[data-testid=dag]");
      if (!dag) throw new Error("no DAG");
      new MutationObserver((ms) => { for (const m of ms) note(m.target as Element); })
        .observe(dag, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
    });
    await page.locator("[data-testid=dag-node][data-state=succeeded]").nth(3).waitFor({ timeout: 20_000 });
    for (const n of await nodes.all()) expect(await n.getAttribute("data-state")).toBe("succeeded");
    const seen = await page.evaluate(() => (window as unknown as { seen: Record<string, string[]> }).seen);
    expect(seen.bottom, "the last task was seen waiting, then running, then done").toEqual(["pending", "running", "succeeded"]);
    await page.locator("[data-testid=run-head] [data-testid=run-state][data-state=completed]").waitFor();
    expect(await page.locator("[data-testid=gantt-bar]").count()).toBe(4);
    await expect.poll(() => page.locator("[data-testid=event][data-kind=execution_ended]").count()).toBe(1);
    expect(await page.locator("[data-testid=event]").count()).toBe(10);

    await page.locator("[data-testid=dag-node][data-task-id=left]").click();
    await page.locator("[data-testid=detail-task-id]", { hasText: "left" }).waitFor();
    expect(await page.locator("[data-testid=detail-attempts]").textContent()).toBe("1");
    expect(await page.locator("[data-testid=detail-output]").textContent()).toBe("null");
    await screenshot(page, "dag.png", true);
    expect(session.problems).toEqual([]);
  });

  it("shows a failed run's error, filters by state, and shows workflows with their YAML", async () => {
    const { page } = session;
    // A task over its time limit fails the run.
    await page.goto(`${server.ui}#/runs?status=failed`);
    await page.locator("[data-testid=run-row]").first().waitFor();
    const states = await page.locator("[data-testid=run-row]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-state")));
    expect(states.length).toBeGreaterThan(0);
    expect(new Set(states)).toEqual(new Set(["failed"]));
    await page.locator("[data-testid=run-link]").first().click();
    await page.locator("[data-testid=dag-node][data-task-id=wait][data-state=timed_out]").waitFor();
    await page.locator("[data-testid=dag-node][data-task-id=after][data-state=skipped], [data-testid=dag-node][data-task-id=after][data-state=cancelled]").waitFor();
    await page.locator("[data-testid=run-error]").waitFor();

    await page.goto(`${server.ui}#/workflows`);
    await page.locator("[data-testid=workflow-row][data-name=diamond]").waitFor();
    await page.locator("[data-testid=workflow-row][data-name=diamond] a").click();
    await page.locator("[data-testid=workflow-yaml]", { hasText: "name: diamond" }).waitFor();
    const yaml = await page.locator("[data-testid=workflow-yaml]").textContent();
    expect(yaml).toContain("depends_on:");
    expect(await page.locator("[data-testid=version]").count()).toBe(1);
    expect(session.problems).toEqual([]);
  });

  it("shows schedules with their next fire times, and triggers", async () => {
    const { page } = session;
    await api(server, "POST", "/v1/schedules", { id: "nightly", workflow_name: "diamond", cron_expr: "0 30 2 * * *", timezone: "UTC" });
    await api(server, "POST", "/v1/triggers", { id: "on-alert", workflow_name: "diamond", event_type: "siem.alert", filter: "event.severity == 'high'" });
    await page.locator("[data-testid=nav-schedules]").click();
    const sched = page.locator("[data-testid=schedule][data-id=nightly]");
    await sched.waitFor();
    const next = (await sched.locator("[data-testid=next-fires] li").allTextContents());
    expect(next.length).toBeGreaterThan(0);
    for (const t of next) expect(t).toMatch(/ 02:30:00$/);
    expect(await sched.locator("[data-testid=last-tick]").textContent()).not.toBe("");
    await page.locator("[data-testid=nav-triggers]").click();
    const trig = page.locator("[data-testid=trigger][data-id=on-alert]");
    await trig.waitFor();
    expect(await trig.textContent()).toContain("siem.alert");
    expect(session.problems).toEqual([]);
  });

  it("fits a phone-sized screen", async () => {
    const phone = await openBrowser({ width: 390, height: 844 });
    try {
      const { page } = phone;
      await page.goto(`${server.ui}#/runs`);
      await page.locator("[data-testid=run-row]").first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await screenshot(page, "phone.png");
      await page.locator("[data-testid=run-link]").first().click();
      await expect.poll(() => page.locator("[data-testid=dag-node]").count()).toBeGreaterThan(0);
      const runOverflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(runOverflow).toBeLessThanOrEqual(0);
      await screenshot(page, "phone-run.png");
      expect(phone.problems).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
