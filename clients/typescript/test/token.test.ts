/**
 * `token` reaches the server as `authorization: Bearer …` over both
 * transports: in-process connect-node servers (gRPC over HTTP/2, gRPC-Web
 * over HTTP/1.1) answer GetExecution and Decide with the header they got.
 * Decide also shows that approval calls honour `timeoutMs`.
 * @module
 */
import assert from "node:assert/strict";
import { createServer as createHttp1Server } from "node:http";
import { createServer as createHttp2Server } from "node:http2";
import type { AddressInfo, Server } from "node:net";
import { after, before, describe, it } from "node:test";
import { ConnectError, Code } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { setTimeout as sleep } from "node:timers/promises";
import { ApprovalService, createOrchestratorClient, Decision, ExecutionService } from "../src/index.js";

describe("createOrchestratorClient({ token })", () => {
  const servers: Server[] = [];
  const baseUrl = { grpc: "", "grpc-web": "" };
  before(async () => {
    const handler = connectNodeAdapter({
      grpc: true,
      grpcWeb: true,
      connect: false,
      routes: (router) => {
        router.service(ExecutionService, {
          getExecution(req, ctx) {
            const auth = ctx.requestHeader.get("authorization");
            if (auth === null) throw new ConnectError("no token", Code.Unauthenticated);
            return { id: req.executionId, error: auth };
          },
        });
        router.service(ApprovalService, {
          async decide(req, ctx) {
            // Task "slow" answers after 5 s, or when the client gives up.
            if (req.taskId === "slow") await sleep(5_000, undefined, { signal: ctx.signal }).catch(() => undefined);
            const decidedBy = ctx.requestHeader.get("authorization") ?? "";
            const { executionId, taskId, decision, reason, input } = req;
            return { executionId, taskId, decision, reason, input, decidedBy };
          },
        });
      },
    });
    for (const [transport, server] of [["grpc", createHttp2Server(handler)], ["grpc-web", createHttp1Server(handler)]] as const) {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      baseUrl[transport] = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
      servers.push(server);
    }
  });
  after(() => {
    for (const server of servers) server.close();
  });

  for (const transport of ["grpc", "grpc-web"] as const) {
    it(`sends authorization: Bearer over ${transport}`, async () => {
      const client = createOrchestratorClient({ baseUrl: baseUrl[transport], transport, token: "t0k3n" });
      const anonymous = createOrchestratorClient({ baseUrl: baseUrl[transport], transport });
      try {
        const execution = await client.getExecution("e1");
        assert.deepEqual([execution.id, execution.error], ["e1", "Bearer t0k3n"]);
        await assert.rejects(anonymous.getExecution("e1"), (e) => e instanceof ConnectError && e.code === Code.Unauthenticated);
      } finally {
        client.close();
        anonymous.close();
      }
    });

    it(`sends it with approval decisions, which honour timeoutMs, over ${transport}`, async () => {
      const client = createOrchestratorClient({ baseUrl: baseUrl[transport], transport, token: "t0k3n" });
      try {
        const approved = await client.approve("e1", "ask", "ok", { ticket: "CHG-1", hours: 4 });
        assert.deepEqual(
          [approved.executionId, approved.taskId, approved.decision, approved.decidedBy, approved.input],
          ["e1", "ask", Decision.APPROVE, "Bearer t0k3n", { ticket: "CHG-1", hours: 4 }],
        );
        const rejected = await client.reject("e1", "ask", "no");
        assert.deepEqual([rejected.decision, rejected.reason, rejected.input], [Decision.REJECT, "no", undefined]);
        await assert.rejects(
          client.approve("e1", "slow", "too slow", {}, { timeoutMs: 200 }),
          (e) => e instanceof ConnectError && e.code === Code.DeadlineExceeded,
        );
      } finally {
        client.close();
      }
    });
  }
});
