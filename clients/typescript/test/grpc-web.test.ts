/**
 * The client over gRPC-Web (fetch, connect-web) against the same gRPC port.
 * Skipped, with the reason, only when the server rejects gRPC-Web at the
 * HTTP level (a build without tonic-web); any other failure fails.
 * @module
 */
import { before } from "node:test";
import { baseUrl } from "./env.js";
import { suite } from "./suite.js";

/** Why the server does not speak gRPC-Web, or undefined when it does. */
async function grpcWebRejection(): Promise<string | undefined> {
  const url = `${baseUrl()}/orchestrator.v1.ExecutionService/GetExecution`;
  let res: Response;
  try {
    // An empty GetExecutionRequest: a gRPC-Web frame with no payload.
    const body = new Uint8Array([0, 0, 0, 0, 0]);
    res = await fetch(url, { method: "POST", headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" }, body });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code ?? "";
    // Refused or unreachable: not an answer, so a real failure.
    if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "") throw err;
    return `the server closed an HTTP/1.1 gRPC-Web request (${code}): it serves HTTP/2 gRPC only (no tonic-web)`;
  }
  await res.arrayBuffer();
  const type = res.headers.get("content-type") ?? "";
  if (res.status === 200 && type.startsWith("application/grpc-web")) return undefined;
  return `the server answered gRPC-Web with HTTP ${String(res.status)} (${type || "no content-type"}): no tonic-web in this build`;
}

let rejection: string | undefined;
before(async () => {
  rejection = await grpcWebRejection();
  if (rejection !== undefined) console.warn(`gRPC-Web tests skipped: ${rejection}`);
});

suite("grpc-web", () => rejection);
