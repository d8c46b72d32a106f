package orchestrator_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	orchestrator "orchestrator.local/clients/go"
	pb "orchestrator.local/clients/go/orchestratorv1"
)

// gate is a workflow whose run waits at the approval "ask", which requires
// a "ticket".
func gate(name string) string {
	return "name: " + name + `
tasks:
  - {id: ask, type: approval, message: 'Block it?', input: {ticket: {type: string, required: true}}}
  - {id: after, type: echo, depends_on: [ask]}
`
}

// startGate stores gate(name), runs it and returns the execution once its
// approval is listed.
func startGate(ctx context.Context, t *testing.T, c *orchestrator.Client, name string) (*pb.Execution, *pb.Approval) {
	t.Helper()
	if _, err := c.CreateWorkflow(ctx, gate(name)); err != nil {
		t.Fatalf("create: %v", err)
	}
	ex, err := c.Run(ctx, name, nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return ex, pending(ctx, t, c, ex.GetId())
}

// pending polls ListApprovals (for at most 20 s) until the execution's
// approval is listed.
func pending(ctx context.Context, t *testing.T, c *orchestrator.Client, executionID string) *pb.Approval {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		approvals, err := c.ListApprovals(ctx, orchestrator.ApprovalFilter{ExecutionID: executionID})
		if err != nil {
			t.Fatalf("list approvals of %s: %v", executionID, err)
		}
		if len(approvals) > 0 {
			if len(approvals) != 1 {
				t.Fatalf("approvals of %s: %v", executionID, approvals)
			}
			return approvals[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no approval of %s listed within 20 s", executionID)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ended waits for the execution's end and returns its record.
func ended(ctx context.Context, t *testing.T, c *orchestrator.Client, executionID string) (*pb.ExecutionEnded, *pb.Execution) {
	t.Helper()
	end, err := c.Follow(ctx, executionID, nil)
	if err != nil {
		t.Fatalf("follow %s: %v", executionID, err)
	}
	// The record shows the end as soon as Watch has delivered execution_ended.
	got, err := c.GetExecution(ctx, executionID)
	if err != nil {
		t.Fatalf("get %s: %v", executionID, err)
	}
	return end, got
}

// noneWaiting fails the test unless nothing of the execution is listed.
func noneWaiting(ctx context.Context, t *testing.T, c *orchestrator.Client, executionID string) {
	t.Helper()
	approvals, err := c.ListApprovals(ctx, orchestrator.ApprovalFilter{ExecutionID: executionID})
	if err != nil || len(approvals) != 0 {
		t.Fatalf("approvals of ended %s: %v %v", executionID, approvals, err)
	}
}

func TestApproveWithInputCompletes(t *testing.T) {
	c, ctx := dial(t)
	name := unique("go-approve")
	ex, approval := startGate(ctx, t, c, name)

	if approval.GetExecutionId() != ex.GetId() || approval.GetWorkflow() != name || approval.GetTaskId() != "ask" ||
		approval.GetMessage() != "Block it?" {
		t.Fatalf("approval %v", approval)
	}
	var fields [][]any
	for _, f := range approval.GetInput() {
		fields = append(fields, []any{f.GetName(), f.GetType(), f.GetRequired()})
	}
	if want := [][]any{{"ticket", "string", true}}; !reflect.DeepEqual(fields, want) {
		t.Fatalf("input fields %v, want %v", fields, want)
	}
	if approval.GetRequestedAt().GetSeconds() <= 0 || approval.GetDeadline() != nil {
		t.Fatalf("requested at %v, deadline %v", approval.GetRequestedAt(), approval.GetDeadline())
	}
	byWorkflow, err := c.ListApprovals(ctx, orchestrator.ApprovalFilter{Workflow: name})
	if err != nil || len(byWorkflow) != 1 || byWorkflow[0].GetExecutionId() != ex.GetId() {
		t.Fatalf("approvals of workflow %s: %v %v", name, byWorkflow, err)
	}
	all, err := c.ListApprovals(ctx, orchestrator.ApprovalFilter{})
	if err != nil {
		t.Fatalf("list every approval: %v", err)
	}
	listed := false
	for _, a := range all {
		listed = listed || a.GetExecutionId() == ex.GetId()
	}
	if !listed {
		t.Fatalf("%s missing from every approval: %v", ex.GetId(), all)
	}
	waiting, err := c.GetExecution(ctx, ex.GetId())
	if err != nil || waiting.GetStatus() != pb.ExecutionState_EXECUTION_STATE_WAITING {
		t.Fatalf("waiting execution %v %v", waiting.GetStatus(), err)
	}

	reason := "approved by the go client test " + name
	decided, err := c.Approve(ctx, ex.GetId(), "ask", reason, map[string]any{"ticket": "CHG-1234"})
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	if decided.GetExecutionId() != ex.GetId() || decided.GetTaskId() != "ask" ||
		decided.GetDecision() != pb.Decision_DECISION_APPROVE || decided.GetReason() != reason ||
		decided.GetDecidedBy() == "" {
		t.Fatalf("decided %v", decided)
	}
	if got := decided.GetInput().AsMap(); !reflect.DeepEqual(got, map[string]any{"ticket": "CHG-1234"}) {
		t.Fatalf("decided input %v", got)
	}

	end, got := ended(ctx, t, c, ex.GetId())
	if end.GetStatus() != pb.ExecutionState_EXECUTION_STATE_COMPLETED {
		t.Fatalf("ended %v (%s)", end.GetStatus(), end.GetError())
	}
	ask := got.GetTaskResults()["ask"]
	if ask.GetStatus() != pb.TaskState_TASK_STATE_SUCCEEDED {
		t.Fatalf("ask %v", ask)
	}
	wantOutput := map[string]any{
		"decision": "approve",
		"by":       decided.GetDecidedBy(),
		"reason":   reason,
		"input":    map[string]any{"ticket": "CHG-1234"},
	}
	if output := ask.GetOutput().GetStructValue().AsMap(); !reflect.DeepEqual(output, wantOutput) {
		t.Fatalf("ask output %v, want %v", output, wantOutput)
	}
	if after := got.GetTaskResults()["after"]; after.GetStatus() != pb.TaskState_TASK_STATE_SUCCEEDED {
		t.Fatalf("after %v", after)
	}
	noneWaiting(ctx, t, c, ex.GetId())
}

func TestRejectFailsTheRun(t *testing.T) {
	c, ctx := dial(t)
	name := unique("go-reject")
	ex, _ := startGate(ctx, t, c, name)

	reason := "rejected by the go client test " + name
	decided, err := c.Reject(ctx, ex.GetId(), "ask", reason)
	if err != nil {
		t.Fatalf("reject: %v", err)
	}
	if decided.GetDecision() != pb.Decision_DECISION_REJECT || decided.GetReason() != reason {
		t.Fatalf("decided %v", decided)
	}

	end, got := ended(ctx, t, c, ex.GetId())
	if end.GetStatus() != pb.ExecutionState_EXECUTION_STATE_FAILED || !strings.Contains(got.GetError(), reason) {
		t.Fatalf("ended %v, error %q", end.GetStatus(), got.GetError())
	}
	ask := got.GetTaskResults()["ask"]
	if want := "rejected by " + decided.GetDecidedBy() + ": " + reason; ask.GetStatus() != pb.TaskState_TASK_STATE_FAILED || ask.GetError() != want {
		t.Fatalf("ask %v %q, want failed %q", ask.GetStatus(), ask.GetError(), want)
	}
	if after := got.GetTaskResults()["after"]; after.GetStatus() != pb.TaskState_TASK_STATE_CANCELLED {
		t.Fatalf("after %v", after)
	}
	noneWaiting(ctx, t, c, ex.GetId())
}

func TestApproveWithoutRequiredInputIsInvalid(t *testing.T) {
	c, ctx := dial(t)
	name := unique("go-noticket")
	ex, _ := startGate(ctx, t, c, name)

	_, err := c.Approve(ctx, ex.GetId(), "ask", "no ticket", nil)
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), "input.ticket") {
		t.Fatalf("approve without ticket: want INVALID_ARGUMENT naming input.ticket, got %v", err)
	}
	if errors.Is(err, orchestrator.ErrNotFound) {
		t.Fatal("INVALID_ARGUMENT matches ErrNotFound")
	}
	_, err = c.Approve(ctx, ex.GetId(), "ask", "wrong type", map[string]any{"ticket": 7})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), "ticket") {
		t.Fatalf("approve with a numeric ticket: want INVALID_ARGUMENT naming ticket, got %v", err)
	}

	// A refusal changes nothing: it still waits, and is decided normally.
	if a := pending(ctx, t, c, ex.GetId()); a.GetTaskId() != "ask" {
		t.Fatalf("still pending %v", a)
	}
	if _, err := c.Reject(ctx, ex.GetId(), "ask", "cleaning up"); err != nil {
		t.Fatalf("reject: %v", err)
	}
	if end, _ := ended(ctx, t, c, ex.GetId()); end.GetStatus() != pb.ExecutionState_EXECUTION_STATE_FAILED {
		t.Fatalf("ended %v", end.GetStatus())
	}
}

func TestDecidingWhatIsNotPendingIsNotFound(t *testing.T) {
	c, ctx := dial(t)
	name := unique("go-decided")
	ex, _ := startGate(ctx, t, c, name)
	if _, err := c.Approve(ctx, ex.GetId(), "ask", "once", map[string]any{"ticket": "CHG-1"}); err != nil {
		t.Fatalf("approve: %v", err)
	}

	// Decided already: neither a second approval nor a rejection finds it.
	_, err := c.Approve(ctx, ex.GetId(), "ask", "twice", map[string]any{"ticket": "CHG-2"})
	if status.Code(err) != codes.NotFound || !errors.Is(err, orchestrator.ErrNotFound) {
		t.Fatalf("second approve: want NOT_FOUND, got %v", err)
	}
	if _, err := c.Reject(ctx, ex.GetId(), "ask", "too late"); !errors.Is(err, orchestrator.ErrNotFound) {
		t.Fatalf("late reject: want NOT_FOUND, got %v", err)
	}
	if _, err := c.Reject(ctx, unique("no-such-execution"), "ask", "never ran"); !errors.Is(err, orchestrator.ErrNotFound) {
		t.Fatalf("reject of an unknown execution: want NOT_FOUND, got %v", err)
	}
	if end, _ := ended(ctx, t, c, ex.GetId()); end.GetStatus() != pb.ExecutionState_EXECUTION_STATE_COMPLETED {
		t.Fatalf("ended %v (%s)", end.GetStatus(), end.GetError())
	}
	// A task that is no approval of the run is not pending either.
	if _, err := c.Approve(ctx, ex.GetId(), "after", "not an approval", nil); !errors.Is(err, orchestrator.ErrNotFound) {
		t.Fatalf("approve of an echo task: want NOT_FOUND, got %v", err)
	}
}
