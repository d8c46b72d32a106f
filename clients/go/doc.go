// Package orchestrator is a thin typed client for the Orchestrator gRPC API.
//
// Dial connects; the Client's methods cover the everyday calls (create a
// workflow, run it, watch its events, follow the server-wide feed, cancel,
// look up, list and decide pending approvals). The generated stubs for the
// whole API are in the orchestratorv1 package, and a Client exposes them as
// its Workflows, Executions, Approvals, Admin, Schedules and Events fields.
//
// Errors keep their gRPC status: status.Code(err) works on every error a
// Client returns, and errors.Is(err, ErrNotFound) (or ErrAlreadyExists)
// tests the common codes.
package orchestrator
