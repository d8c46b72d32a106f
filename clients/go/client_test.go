package orchestrator_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	orchestrator "orchestrator.local/clients/go"
	pb "orchestrator.local/clients/go/orchestratorv1"
)

func TestDefinitionRunWatch(t *testing.T) {
	c, ctx := dial(t)
	name := unique("go-diamond")
	yaml := "name: " + name + `
tasks:
  - {id: top, type: echo, body: {x: "{{input.x}}"}}
  - {id: left, type: echo, body: {step: left}, depends_on: [top]}
  - {id: right, type: echo, body: {step: right}, depends_on: [top]}
  - {id: bottom, type: echo, body: {step: bottom}, depends_on: [left, right]}
`
	wf, err := c.CreateWorkflow(ctx, yaml)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if wf.GetSpec().GetName() != name || wf.GetVersion() != 1 || len(wf.GetSpec().GetTasks()) != 4 {
		t.Fatalf("created %v", wf)
	}
	if _, err := c.CreateWorkflow(ctx, yaml); !errors.Is(err, orchestrator.ErrAlreadyExists) {
		t.Fatalf("second create: want ALREADY_EXISTS, got %v", err)
	}
	ex, err := c.Run(ctx, name, map[string]any{"x": "hello"})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	ended := map[string]pb.TaskState{}
	var kinds []string
	end, err := c.Follow(ctx, ex.GetId(), func(ev *pb.ExecutionEvent) error {
		if ev.GetExecutionId() != ex.GetId() {
			t.Errorf("event of %q while watching %q", ev.GetExecutionId(), ex.GetId())
		}
		if r := ev.GetTaskEnded().GetResult(); r != nil {
			ended[r.GetTaskId()] = r.GetStatus()
		}
		kinds = append(kinds, eventKind(ev))
		return nil
	})
	if err != nil {
		t.Fatalf("follow: %v", err)
	}
	if end.GetStatus() != pb.ExecutionState_EXECUTION_STATE_COMPLETED {
		t.Fatalf("ended %v (%s); events %v", end.GetStatus(), end.GetError(), kinds)
	}
	if kinds[0] != "ExecutionStarted" || len(ended) != 4 || ended["bottom"] != pb.TaskState_TASK_STATE_SUCCEEDED {
		t.Fatalf("events %v, tasks ended %v", kinds, ended)
	}
	// The record shows the end as soon as Watch has delivered execution_ended.
	got, err := c.GetExecution(ctx, ex.GetId())
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	top := got.GetTaskResults()["top"].GetOutput().GetStructValue().GetFields()["x"].GetStringValue()
	if got.GetStatus() != pb.ExecutionState_EXECUTION_STATE_COMPLETED || top != "hello" {
		t.Fatalf("execution %v", got)
	}
}

// eventKind names the oneof case of an event, for failure messages.
func eventKind(ev *pb.ExecutionEvent) string {
	if ev.GetKind() == nil {
		return "none"
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", ev.GetKind()), "*orchestratorv1.ExecutionEvent_")
}

func TestTypedSpecRunAndWait(t *testing.T) {
	c, ctx := dial(t)
	name := unique("go-typed")
	body, err := structpb.NewValue(map[string]any{"greeting": "{{input.who}}"})
	if err != nil {
		t.Fatal(err)
	}
	spec := &pb.WorkflowSpec{Name: name, Tasks: []*pb.TaskSpec{
		{Id: "greet", Type: "echo", Config: &pb.TaskSpec_Echo{Echo: &pb.EchoConfig{Body: body}}},
		{Id: "after", Type: "echo", DependsOn: []string{"greet"}},
	}}
	if _, err := c.CreateWorkflowSpec(ctx, spec); err != nil {
		t.Fatalf("create typed: %v", err)
	}
	ex, err := c.RunAndWait(ctx, name, map[string]any{"who": "gopher"})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	out := ex.GetTaskResults()["greet"].GetOutput().GetStructValue().GetFields()["greeting"].GetStringValue()
	if ex.GetStatus() != pb.ExecutionState_EXECUTION_STATE_COMPLETED || out != "gopher" {
		t.Fatalf("execution %v", ex)
	}
}

func TestAutoThreatResponseDefinition(t *testing.T) {
	c, ctx := dial(t)
	doc, err := os.ReadFile("../../examples/auto_threat_response.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Workflows.ValidateWorkflow(ctx, &pb.ValidateWorkflowRequest{Definition: string(doc)})
	if err != nil || !v.GetValid() {
		t.Fatalf("validate unchanged playbook: %v %v", v, err)
	}
	// Unchanged: the first client of a harness run stores it, later ones
	// find the name taken.
	wf, err := c.CreateWorkflow(ctx, string(doc))
	if err != nil && !errors.Is(err, orchestrator.ErrAlreadyExists) {
		t.Fatalf("create unchanged playbook: %v", err)
	}
	if err == nil && wf.GetSpec().GetName() != "auto_threat_response" {
		t.Fatalf("created %v", wf)
	}
	// Renamed, so that this run certainly stores it.
	name := unique("go-atr")
	renamed := strings.Replace(string(doc), "name: auto_threat_response", "name: "+name, 1)
	wf, err = c.CreateWorkflow(ctx, renamed)
	if err != nil {
		t.Fatalf("create renamed playbook: %v", err)
	}
	if wf.GetSpec().GetName() != name || len(wf.GetSpec().GetTasks()) < 4 {
		t.Fatalf("created %v", wf)
	}
}

func TestCancel(t *testing.T) {
	c, ctx := dial(t)
	name := unique("go-nap")
	if _, err := c.CreateWorkflow(ctx, "name: "+name+"\ntasks:\n  - {id: nap, type: sleep, duration: 30s}\n"); err != nil {
		t.Fatalf("create: %v", err)
	}
	ex, err := c.Run(ctx, name, nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	end, err := c.Follow(ctx, ex.GetId(), func(ev *pb.ExecutionEvent) error {
		if ev.GetTaskStarted().GetTaskId() == "nap" {
			return c.Cancel(ctx, ex.GetId(), "go test says stop")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("follow: %v", err)
	}
	if end.GetStatus() != pb.ExecutionState_EXECUTION_STATE_CANCELLED {
		t.Fatalf("ended %v", end)
	}
	// The record shows the end as soon as Watch has delivered execution_ended.
	got, err := c.GetExecution(ctx, ex.GetId())
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.GetStatus() != pb.ExecutionState_EXECUTION_STATE_CANCELLED || !strings.Contains(got.GetError(), "go test says stop") {
		t.Fatalf("execution %v: status %v error %q", got.GetId(), got.GetStatus(), got.GetError())
	}
}

func TestNotFound(t *testing.T) {
	c, ctx := dial(t)
	_, err := c.GetExecution(ctx, unique("no-such-execution"))
	if status.Code(err) != codes.NotFound || !errors.Is(err, orchestrator.ErrNotFound) {
		t.Fatalf("want NOT_FOUND, got %v", err)
	}
	if errors.Is(err, orchestrator.ErrAlreadyExists) {
		t.Fatal("NOT_FOUND matches ErrAlreadyExists")
	}
}
