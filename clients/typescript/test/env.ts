/**
 * What the tests share: the server's address from the environment, unique
 * names, and the repository's example workflows.
 * @module
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

/** The server's gRPC port as host:port (scripts/test-clients.sh exports it). */
export function grpcAddress(): string {
  const addr = process.env.ORCHESTRATOR_GRPC;
  if (addr === undefined || addr === "") {
    throw new Error("ORCHESTRATOR_GRPC is not set: run bash scripts/test-clients.sh typescript");
  }
  return addr;
}

/** The gRPC port's base URL. */
export function baseUrl(): string {
  return `http://${grpcAddress()}`;
}

/** A workflow name no other test run (or client) on the shared server uses. */
export function uniqueName(prefix: string): string {
  return `ts-${prefix}-${randomBytes(4).toString("hex")}`;
}

/** The text of a file under the repository's examples/. */
export function example(file: string): string {
  return readFileSync(new URL(`../../../../examples/${file}`, import.meta.url), "utf8");
}
