package orchestrator

import (
	"context"
	"errors"
	"io"

	pb "orchestrator.local/clients/go/orchestratorv1"
)

// EventStream is one execution's events, oldest first. Recv returns io.EOF
// after the execution_ended event.
type EventStream struct {
	s pb.ExecutionService_WatchClient
}

// Recv returns the next event, or io.EOF when the stream has ended.
func (s *EventStream) Recv() (*pb.ExecutionEvent, error) {
	ev, err := s.s.Recv()
	return ev, wrap(err)
}

// Watch streams an execution's events from sequence number fromSeq on (0
// for its whole history), then live ones until it ends. Cancel ctx to stop
// early.
func (c *Client) Watch(ctx context.Context, id string, fromSeq uint64) (*EventStream, error) {
	s, err := c.Executions.Watch(ctx, &pb.WatchRequest{ExecutionId: id, FromSeq: fromSeq})
	if err != nil {
		return nil, wrap(err)
	}
	return &EventStream{s: s}, nil
}

// Follow watches an execution from its start, calls fn for every event
// (stopping early if fn returns an error), and returns the
// execution_ended event.
func (c *Client) Follow(ctx context.Context, id string, fn func(*pb.ExecutionEvent) error) (*pb.ExecutionEnded, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := c.Watch(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	for {
		ev, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, err
		}
		if fn != nil {
			if err := fn(ev); err != nil {
				return nil, err
			}
		}
		if end := ev.GetExecutionEnded(); end != nil {
			return end, nil
		}
	}
}

// ChangeFilter selects what WatchExecutions delivers.
type ChangeFilter struct {
	// Workflows keeps the changes of these workflows; all when empty.
	Workflows []string
	// States keeps the changes that leave their execution in one of these
	// states; all when empty.
	States []pb.ExecutionState
	// After is the cursor of the last change seen: the feed resumes right
	// after it, with no gap and no duplicate. Empty: from now on.
	After string
}

// ChangeStream is the server-wide feed of execution changes.
type ChangeStream struct {
	s pb.ExecutionService_WatchExecutionsClient
}

// Recv returns the next change. Remember its Cursor to resume after a
// disconnect (ChangeFilter.After).
func (s *ChangeStream) Recv() (*pb.ExecutionChange, error) {
	ch, err := s.s.Recv()
	return ch, wrap(err)
}

// WatchExecutions follows every execution's state changes as they happen.
// The feed does not end by itself: cancel ctx to stop.
func (c *Client) WatchExecutions(ctx context.Context, f ChangeFilter) (*ChangeStream, error) {
	s, err := c.Executions.WatchExecutions(ctx, &pb.WatchExecutionsRequest{
		Workflows: f.Workflows, States: f.States, After: f.After,
	})
	if err != nil {
		return nil, wrap(err)
	}
	return &ChangeStream{s: s}, nil
}
