package orchestrator_test

import (
	"context"
	"testing"
	"time"

	orchestrator "orchestrator.local/clients/go"
	pb "orchestrator.local/clients/go/orchestratorv1"
)

func TestWatchExecutions(t *testing.T) {
	c, ctx := dial(t)
	name := unique("go-feed")
	if _, err := c.CreateWorkflow(ctx, "name: "+name+"\ntasks:\n  - {id: a, type: echo, body: {n: 1}}\n  - {id: b, type: echo, body: {n: 2}, depends_on: [a]}\n"); err != nil {
		t.Fatalf("create: %v", err)
	}
	feedCtx, stop := context.WithCancel(ctx)
	defer stop()
	feed, err := c.WatchExecutions(feedCtx, orchestrator.ChangeFilter{Workflows: []string{name}})
	if err != nil {
		t.Fatalf("watch executions: %v", err)
	}
	changes := receive(feedCtx, feed)

	// The feed is live once the server has subscribed the call, which the
	// client cannot see: warm-up runs until one of their changes arrives.
	warmedUp := false
	for i := 0; i < 20 && !warmedUp; i++ {
		if _, err := c.Run(ctx, name, nil); err != nil {
			t.Fatalf("run: %v", err)
		}
		select {
		case <-changes:
			warmedUp = true
		case <-time.After(250 * time.Millisecond):
		}
	}
	if !warmedUp {
		t.Fatal("no change arrived for 20 runs")
	}
	ex, err := c.Run(ctx, name, nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	var seen []*pb.ExecutionChange
	for ch := range changes {
		if ch.GetWorkflow() != name || ch.GetCursor() == "" {
			t.Fatalf("foreign or cursorless change %v", ch)
		}
		if ch.GetExecutionId() != ex.GetId() {
			continue // a warm-up run's
		}
		seen = append(seen, ch)
		if ch.GetKind() == pb.ChangeKind_CHANGE_KIND_EXECUTION_ENDED {
			break
		}
	}
	stop()
	if len(seen) < 6 || seen[0].GetKind() != pb.ChangeKind_CHANGE_KIND_EXECUTION_STARTED {
		t.Fatalf("changes %v", seen)
	}
	if last := seen[len(seen)-1]; last.GetKind() != pb.ChangeKind_CHANGE_KIND_EXECUTION_ENDED ||
		last.GetState() != pb.ExecutionState_EXECUTION_STATE_COMPLETED {
		t.Fatalf("last change %v", last)
	}

	// Resuming after the first cursor replays the second change: no gap.
	resumeCtx, stopResume := context.WithCancel(ctx)
	defer stopResume()
	again, err := c.WatchExecutions(resumeCtx, orchestrator.ChangeFilter{Workflows: []string{name}, After: seen[0].GetCursor()})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	next, err := again.Recv()
	for err == nil && next.GetExecutionId() != ex.GetId() {
		next, err = again.Recv()
	}
	if err != nil {
		t.Fatalf("resume recv: %v", err)
	}
	if next.GetCursor() != seen[1].GetCursor() || next.GetKind() != seen[1].GetKind() {
		t.Fatalf("resumed at %v, want %v", next, seen[1])
	}
}

// receive delivers a feed's changes on a channel, closed when the feed fails
// or ctx ends.
func receive(ctx context.Context, feed *orchestrator.ChangeStream) <-chan *pb.ExecutionChange {
	out := make(chan *pb.ExecutionChange, 64)
	go func() {
		defer close(out)
		for {
			ch, err := feed.Recv()
			if err != nil {
				return
			}
			select {
			case out <- ch:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
