package orchestrator

import (
	"context"

	"google.golang.org/protobuf/types/known/structpb"

	pb "orchestrator.local/clients/go/orchestratorv1"
)

// ApprovalFilter selects what ListApprovals lists; the zero value lists
// every pending approval.
type ApprovalFilter struct {
	// Workflow keeps this workflow's approvals; all when empty.
	Workflow string
	// ExecutionID keeps this execution's approvals; all when empty.
	ExecutionID string
}

// ListApprovals returns the approvals waiting for a decision, oldest first.
func (c *Client) ListApprovals(ctx context.Context, f ApprovalFilter) ([]*pb.Approval, error) {
	resp, err := c.Approvals.ListApprovals(ctx, &pb.ListApprovalsRequest{Workflow: f.Workflow, ExecutionId: f.ExecutionID})
	if err != nil {
		return nil, wrap(err)
	}
	return resp.GetApprovals(), nil
}

// Approve approves the pending approval taskID of an execution: the task
// succeeds and the run goes on. input (JSON-like values, as Run's params;
// nil for none) answers the fields the approval asks for. It answers once
// the decision is durable, with the decision as recorded. The error matches
// ErrNotFound when no such approval is pending; its code is
// INVALID_ARGUMENT, naming the field ("input.ticket: required to
// approve"), when input does not fit, PERMISSION_DENIED when the caller may
// not decide it, UNAVAILABLE while its execution is being resumed (ask
// again).
func (c *Client) Approve(ctx context.Context, executionID, taskID, reason string, input map[string]any) (*pb.DecideResponse, error) {
	return c.decide(ctx, executionID, taskID, pb.Decision_DECISION_APPROVE, reason, input)
}

// Reject rejects the pending approval taskID of an execution: the task
// fails with reason. Errors as for Approve.
func (c *Client) Reject(ctx context.Context, executionID, taskID, reason string) (*pb.DecideResponse, error) {
	return c.decide(ctx, executionID, taskID, pb.Decision_DECISION_REJECT, reason, nil)
}

func (c *Client) decide(ctx context.Context, executionID, taskID string, decision pb.Decision, reason string, input map[string]any) (*pb.DecideResponse, error) {
	st, err := structpb.NewStruct(input)
	if err != nil {
		return nil, err
	}
	resp, err := c.Approvals.Decide(ctx, &pb.DecideRequest{
		ExecutionId: executionID, TaskId: taskID, Decision: decision, Reason: reason, Input: st,
	})
	if err != nil {
		return nil, wrap(err)
	}
	return resp, nil
}
