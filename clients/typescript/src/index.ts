/**
 * Node entry point: the client over gRPC (HTTP/2, connect-node) or
 * gRPC-Web (fetch, connect-web). Browsers import `@orchestrator/client/web`.
 * @module
 */
import type { Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { bearerAuth, OrchestratorClient } from "./client.js";

export * from "./api.js";
export * from "./client.js";
export { Code, ConnectError } from "@connectrpc/connect";

/** Where the server is, over which protocol, and how to authenticate. */
export interface ClientOptions {
  /** The gRPC port's URL: `http://127.0.0.1:50051`, or `https://…` for TLS. */
  baseUrl: string;
  /** "grpc" (default): gRPC over HTTP/2. "grpc-web": gRPC-Web over fetch. */
  transport?: "grpc" | "grpc-web";
  /** A bearer token sent as `authorization: Bearer …` with every call. */
  token?: string;
}

/**
 * A client of the server at `baseUrl`. Call `close()` when done so that the
 * HTTP/2 connection does not keep the process alive.
 */
export function createOrchestratorClient(options: ClientOptions): OrchestratorClient {
  const interceptors = options.token === undefined ? [] : [bearerAuth(options.token)];
  const { baseUrl } = options;
  if (options.transport === "grpc-web") {
    return new OrchestratorClient(createGrpcWebTransport({ baseUrl, interceptors }));
  }
  const sessionManager = new Http2SessionManager(baseUrl);
  const transport: Transport = createGrpcTransport({ baseUrl, interceptors, sessionManager });
  return new OrchestratorClient(transport, () => { sessionManager.abort(); });
}
