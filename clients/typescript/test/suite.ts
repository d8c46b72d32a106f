/**
 * The client tests against a live server, run once per transport
 * (grpc.test.ts, grpc-web.test.ts).
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { defineRunWatch } from "../examples/run-and-watch.js";
import {
  ChangeKind,
  Code,
  ConnectError,
  createOrchestratorClient,
  Decision,
  ExecutionState,
  fromValue,
  TaskState,
  toValue,
  type Approval,
  type ClientOptions,
  type ExecutionChange,
  type ExecutionEvent,
  type OrchestratorClient,
} from "../src/index.js";
import { baseUrl, example, uniqueName } from "./env.js";

const TIMEOUT = { timeout: 20_000 };

/** Whether `err` is a ConnectError with `code` (and a message matching `message`). */
function hasCode(code: Code, message?: RegExp) {
  return (err: unknown): boolean =>
    err instanceof ConnectError && err.code === code && (message === undefined || message.test(err.rawMessage));
}

/** A workflow whose run waits at the approval `ask`, which requires a `ticket`. */
function gate(name: string): string {
  return `name: ${name}
tasks:
  - {id: ask, type: approval, message: 'Block it?', input: {ticket: {type: string, required: true}}}
  - {id: after, type: echo, depends_on: [ask]}
`;
}

/** Polls ListApprovals (for at most 10 s) until the execution's approval is listed. */
async function pendingApproval(client: OrchestratorClient, executionId: string): Promise<Approval> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [approval, ...others] = await client.listApprovals({ executionId });
    if (approval !== undefined) {
      assert.deepEqual(others, []);
      return approval;
    }
    assert.ok(Date.now() < deadline, `no approval of ${executionId} listed within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every event of a watch, in order. */
async function allEvents(events: AsyncIterable<ExecutionEvent>): Promise<ExecutionEvent[]> {
  const out: ExecutionEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

/**
 * Opens the WatchExecutions feed and resolves once the server has answered
 * with its headers (it is subscribed), so that nothing run after it is
 * missed. `next` reads the following change; `close` ends the call.
 */
async function openFeed(client: OrchestratorClient, workflow: string, after = "") {
  const abort = new AbortController();
  let subscribed = (): void => undefined;
  const headers = new Promise<void>((resolve) => (subscribed = resolve));
  const feed = client.watchExecutions({ workflows: [workflow], after }, { signal: abort.signal, onHeader: subscribed });
  const iterator = feed[Symbol.asyncIterator]();
  let pending = iterator.next();
  await Promise.race([headers, pending.then(() => undefined)]);
  return {
    async next(): Promise<ExecutionChange> {
      const result = await pending;
      pending = iterator.next();
      assert.equal(result.done, false, "the feed closed");
      return result.value;
    },
    close(): void {
      abort.abort();
      pending.catch(() => undefined);
    },
  };
}

/** Defines the tests for one transport; `skip` (a reason) skips them all. */
export function suite(transport: NonNullable<ClientOptions["transport"]>, skip?: () => string | undefined): void {
  describe(`Orchestrator client over ${transport}`, () => {
    let client: OrchestratorClient;
    before(() => {
      client = createOrchestratorClient({ baseUrl: baseUrl(), transport });
    });
    after(() => { client.close(); });
    const test = (name: string, fn: () => Promise<void>): void => {
      it(name, TIMEOUT, async (t) => {
        const reason = skip?.();
        if (reason !== undefined) {
          t.skip(reason);
          return;
        }
        await fn();
      });
    };

    test("runs the README example (YAML definition, run, Watch)", async () => {
      const execution = await defineRunWatch(client, uniqueName("hello"));
      assert.equal(execution.status, ExecutionState.COMPLETED);
      assert.deepEqual(fromValue(execution.taskResults.shout?.output), { said: "hello world!" });
    });

    test("creates a workflow from YAML and follows its Watch to execution_ended", async () => {
      const name = uniqueName("diamond");
      const yaml = example("diamond.yaml").replace(/^name: diamond$/m, `name: ${name}`);
      const workflow = await client.createWorkflow(yaml);
      assert.equal(workflow.spec?.name, name);
      assert.equal(workflow.spec.tasks.length, 4);
      await assert.rejects(client.createWorkflow(yaml), hasCode(Code.AlreadyExists));

      const started = await client.run(name);
      assert.match(started.id, new RegExp(`^${name}-`));
      const events = await allEvents(client.watch(started.id));
      assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => BigInt(i + 1)));
      assert.equal(events[0]?.kind.case, "executionStarted");
      const ended = events.filter((e) => e.kind.case === "taskEnded");
      assert.equal(ended.length, 4);
      const last = events.at(-1)?.kind;
      assert.equal(last?.case, "executionEnded");
      assert.equal(last.value.status, ExecutionState.COMPLETED);

      const execution = await client.getExecution(started.id);
      assert.equal(execution.status, ExecutionState.COMPLETED);
      assert.deepEqual(Object.keys(execution.taskResults).sort(), ["bottom", "left", "right", "top"]);
      assert.deepEqual(fromValue(execution.taskResults.bottom?.output), { step: "bottom" });
      assert.equal(execution.taskResults.top?.status, TaskState.SUCCEEDED);
    });

    test("posts examples/auto_threat_response.yaml unchanged", async () => {
      const playbook = example("auto_threat_response.yaml");
      const check = await client.validateWorkflow(playbook);
      assert.deepEqual(check.problems, []);
      assert.equal(check.valid, true);
      // Another client (or transport) on the same server may have stored it
      // first: then it becomes a new version.
      const stored = await client.createWorkflow(playbook).catch(async (err: unknown) => {
        if (!hasCode(Code.AlreadyExists)(err)) throw err;
        return client.updateWorkflow(playbook);
      });
      assert.equal(stored.spec?.name, "auto_threat_response");
      assert.deepEqual(stored.spec.tasks.map((t) => t.id).slice(0, 3), ["enrich", "score", "block"]);
    });

    test("creates a typed WorkflowSpec and runs it with wait", async () => {
      const name = uniqueName("typed");
      await client.createWorkflow({
        name,
        tasks: [
          { id: "a", type: "echo", config: { case: "echo", value: { body: toValue({ x: "{{input.x}}" }) } } },
          { id: "b", type: "echo", dependsOn: ["a"], config: { case: "echo", value: { body: toValue({ y: "{{a.x}}" }) } } },
        ],
      });
      const execution = await client.run(name, { parameters: { x: "hi" }, wait: true });
      assert.equal(execution.status, ExecutionState.COMPLETED);
      assert.deepEqual(fromValue(execution.taskResults.b?.output), { y: "hi" });
    });

    test("cancels a long sleep with a reason", async () => {
      const name = uniqueName("nap");
      await client.createWorkflow(`name: ${name}\ntasks: [{id: nap, type: sleep, duration: 30s}]\n`);
      const started = await client.run(name);
      const reason = `stopped by the ${transport} test`;
      let end: ExecutionEvent["kind"] | undefined;
      for await (const event of client.watch(started.id)) {
        if (event.kind.case === "taskStarted") await client.cancel(started.id, reason);
        end = event.kind;
      }
      assert.equal(end?.case, "executionEnded");
      assert.equal(end.value.status, ExecutionState.CANCELLED);
      const execution = await client.getExecution(started.id);
      assert.equal(execution.status, ExecutionState.CANCELLED);
      assert.match(execution.error, new RegExp(reason));
      assert.equal(execution.taskResults.nap?.status, TaskState.CANCELLED);
    });

    test("surfaces an unknown id as ConnectError Code.NotFound", async () => {
      await assert.rejects(client.getExecution(uniqueName("missing")), hasCode(Code.NotFound));
      await assert.rejects(client.run(uniqueName("missing")), hasCode(Code.NotFound));
      await assert.rejects(client.cancel(uniqueName("missing"), "none"), hasCode(Code.NotFound));
    });

    test("approves a waiting approval with input and the run completes", async () => {
      const name = uniqueName("approve");
      await client.createWorkflow(gate(name));
      const started = await client.run(name);
      const approval = await pendingApproval(client, started.id);
      assert.deepEqual([approval.executionId, approval.workflow, approval.taskId, approval.message], [started.id, name, "ask", "Block it?"]);
      assert.deepEqual(approval.input.map((f) => [f.name, f.type, f.required]), [["ticket", "string", true]]);
      assert.ok(approval.requestedAt !== undefined && approval.requestedAt.seconds > 0n);
      assert.equal(approval.deadline, undefined);
      assert.deepEqual((await client.listApprovals({ workflow: name })).map((a) => a.executionId), [started.id]);
      assert.ok((await client.listApprovals()).some((a) => a.executionId === started.id));
      assert.equal((await client.getExecution(started.id)).status, ExecutionState.WAITING);

      const reason = `approved by the ${transport} test`;
      const decided = await client.approve(started.id, "ask", reason, { ticket: "CHG-1234" });
      assert.deepEqual([decided.executionId, decided.taskId, decided.decision, decided.reason], [started.id, "ask", Decision.APPROVE, reason]);
      assert.notEqual(decided.decidedBy, "");
      assert.deepEqual(decided.input, { ticket: "CHG-1234" });

      const end = await client.waitForEnd(started.id);
      assert.equal(end.status, ExecutionState.COMPLETED);
      const execution = await client.getExecution(started.id);
      assert.equal(execution.taskResults.ask?.status, TaskState.SUCCEEDED);
      assert.deepEqual(fromValue(execution.taskResults.ask.output), {
        decision: "approve",
        by: decided.decidedBy,
        reason,
        input: { ticket: "CHG-1234" },
      });
      assert.equal(execution.taskResults.after?.status, TaskState.SUCCEEDED);
      assert.deepEqual(await client.listApprovals({ executionId: started.id }), []);
    });

    test("rejects a waiting approval and the run fails", async () => {
      const name = uniqueName("reject");
      await client.createWorkflow(gate(name));
      const started = await client.run(name);
      await pendingApproval(client, started.id);
      const reason = `rejected by the ${transport} test`;
      const decided = await client.reject(started.id, "ask", reason);
      assert.deepEqual([decided.decision, decided.reason], [Decision.REJECT, reason]);

      const end = await client.waitForEnd(started.id);
      assert.equal(end.status, ExecutionState.FAILED);
      const execution = await client.getExecution(started.id);
      assert.equal(execution.taskResults.ask?.status, TaskState.FAILED);
      assert.equal(execution.taskResults.ask.error, `rejected by ${decided.decidedBy}: ${reason}`);
      assert.equal(execution.taskResults.after?.status, TaskState.CANCELLED);
    });

    test("refuses to approve without the required input (Code.InvalidArgument, field named)", async () => {
      const name = uniqueName("noticket");
      await client.createWorkflow(gate(name));
      const started = await client.run(name);
      await pendingApproval(client, started.id);
      await assert.rejects(client.approve(started.id, "ask", "no ticket"), hasCode(Code.InvalidArgument, /input\.ticket/));
      await assert.rejects(client.approve(started.id, "ask", "wrong type", { ticket: 7 }), hasCode(Code.InvalidArgument, /ticket/));
      // A refusal changes nothing: it still waits, and is decided normally.
      assert.equal((await pendingApproval(client, started.id)).taskId, "ask");
      await client.reject(started.id, "ask", "cleaning up");
      assert.equal((await client.waitForEnd(started.id)).status, ExecutionState.FAILED);
    });

    test("answers Code.NotFound for deciding what is not pending", async () => {
      const name = uniqueName("decided");
      await client.createWorkflow(gate(name));
      const started = await client.run(name);
      await pendingApproval(client, started.id);
      await client.approve(started.id, "ask", "once", { ticket: "CHG-1" });
      await assert.rejects(client.approve(started.id, "ask", "twice", { ticket: "CHG-2" }), hasCode(Code.NotFound));
      await assert.rejects(client.reject(started.id, "ask", "too late"), hasCode(Code.NotFound));
      await assert.rejects(client.reject(uniqueName("missing"), "ask", "never ran"), hasCode(Code.NotFound));
      assert.equal((await client.waitForEnd(started.id)).status, ExecutionState.COMPLETED);
      await assert.rejects(client.approve(started.id, "after", "not an approval"), hasCode(Code.NotFound));
    });

    test("reads changes from WatchExecutions and resumes after a cursor", async () => {
      const name = uniqueName("feed");
      await client.createWorkflow(`name: ${name}\ntasks: [{id: one, type: echo, body: {n: 1}}]\n`);
      const feed = await openFeed(client, name);
      const changes: ExecutionChange[] = [];
      try {
        const started = await client.run(name, { wait: true });
        for (let c = await feed.next(); ; c = await feed.next()) {
          assert.equal(c.executionId, started.id);
          changes.push(c);
          if (c.kind === ChangeKind.EXECUTION_ENDED) break;
        }
      } finally {
        feed.close();
      }
      assert.deepEqual(changes.map((c) => c.kind), [
        ChangeKind.EXECUTION_STARTED,
        ChangeKind.TASK_STARTED,
        ChangeKind.TASK_ENDED,
        ChangeKind.EXECUTION_ENDED,
      ]);
      assert.equal(changes[2]?.taskId, "one");
      assert.equal(changes[3]?.state, ExecutionState.COMPLETED);
      assert.equal(new Set(changes.map((c) => c.cursor)).size, changes.length);

      const resumed = await openFeed(client, name, changes[0]?.cursor);
      try {
        for (const want of changes.slice(1)) {
          const got = await resumed.next();
          assert.deepEqual(
            [got.cursor, got.seq, got.kind],
            [want.cursor, want.seq, want.kind],
            `resumed after ${changes[0]?.cursor ?? ""}: every later change once, in order`,
          );
        }
      } finally {
        resumed.close();
      }
    });
  });
}
