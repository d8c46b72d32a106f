package orchestrator_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	orchestrator "orchestrator.local/clients/go"
	pb "orchestrator.local/clients/go/orchestratorv1"
)

// Defines a workflow from YAML, runs it and follows its progress over Watch.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := orchestrator.Dial(ctx, os.Getenv("ORCHESTRATOR_GRPC"))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	name := unique("go-example") // any unused name
	_, err = c.CreateWorkflow(ctx, "name: "+name+`
tasks:
  - {id: hello, type: echo, body: {greeting: "hello {{input.who}}"}}
  - {id: world, type: echo, body: {from: "{{hello.greeting}}"}, depends_on: [hello]}
`)
	if err != nil {
		log.Fatal(err)
	}
	ex, err := c.Run(ctx, name, map[string]any{"who": "gopher"})
	if err != nil {
		log.Fatal(err)
	}
	end, err := c.Follow(ctx, ex.GetId(), func(ev *pb.ExecutionEvent) error {
		switch k := ev.GetKind().(type) {
		case *pb.ExecutionEvent_TaskStarted:
			fmt.Println("started", k.TaskStarted.GetTaskId())
		case *pb.ExecutionEvent_TaskEnded:
			r := k.TaskEnded.GetResult()
			fmt.Println("ended", r.GetTaskId(), r.GetStatus(), r.GetOutput().GetStructValue().AsMap())
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("execution", end.GetStatus())
	// Output:
	// started hello
	// ended hello TASK_STATE_SUCCEEDED map[greeting:hello gopher]
	// started world
	// ended world TASK_STATE_SUCCEEDED map[from:hello gopher]
	// execution EXECUTION_STATE_COMPLETED
}
