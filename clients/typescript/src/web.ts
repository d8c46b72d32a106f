/**
 * Browser entry point: the client over gRPC-Web (fetch), with no Node
 * modules. The server's gRPC port answers gRPC-Web too.
 * @module
 */
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { bearerAuth, OrchestratorClient } from "./client.js";

export * from "./api.js";
export * from "./client.js";
export { Code, ConnectError } from "@connectrpc/connect";

/** Where the server is, and how to authenticate. */
export interface WebClientOptions {
  /** The gRPC port's URL, e.g. `https://orchestrator.example:50051`. */
  baseUrl: string;
  /** A bearer token sent as `authorization: Bearer …` with every call. */
  token?: string;
}

/** A client that speaks gRPC-Web over `fetch` to `baseUrl`. */
export function createOrchestratorClient(options: WebClientOptions): OrchestratorClient {
  const interceptors = options.token === undefined ? [] : [bearerAuth(options.token)];
  return new OrchestratorClient(createGrpcWebTransport({ baseUrl: options.baseUrl, interceptors }));
}
