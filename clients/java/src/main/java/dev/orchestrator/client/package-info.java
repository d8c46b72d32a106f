/**
 * A thin client for the Orchestrator gRPC API.
 *
 * <p>{@link dev.orchestrator.client.OrchestratorClient} covers the everyday
 * calls, approvals included; the generated messages and stubs for the whole
 * API are in {@code dev.orchestrator.v1}. Errors are {@link
 * io.grpc.StatusRuntimeException}s: an unknown execution id is {@code
 * Status.Code.NOT_FOUND}.
 */
package dev.orchestrator.client;
