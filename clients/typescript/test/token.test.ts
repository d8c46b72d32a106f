/**
 * `token` reaches the server as `authorization: Bearer …` over both
 * transports: in-process connect-node servers (gRPC over HTTP/2, gRPC-Web
 * over HTTP/1.1) answer GetExecution with the header they got.
 * @module
 */
import assert from "node:assert/strict";
import { createServer as createHttp1Server } from "node:http";
import { createServer as createHttp2Server } from "node:http2";
import type { AddressInfo, Server } from "node:net";
import { after, before, describe, it } from "node:test";
import { ConnectError, Code } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createOrchestratorClient, ExecutionService } from "../src/index.js";

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
  }
});
