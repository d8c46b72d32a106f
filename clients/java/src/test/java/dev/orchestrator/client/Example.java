package dev.orchestrator.client;

import dev.orchestrator.v1.Execution;
import dev.orchestrator.v1.ExecutionEnded;
import dev.orchestrator.v1.TaskResult;
import java.io.PrintStream;
import java.util.Map;

/**
 * The README's example: defines a workflow from YAML, runs it and follows its
 * progress over Watch. {@code java ... dev.orchestrator.client.Example
 * 127.0.0.1:50051 my-workflow}; ExampleTest runs it too.
 */
public final class Example {
  private Example() {}

  /**
   * Creates workflow {@code name}, runs it and prints its events.
   *
   * @param client the connected client
   * @param name an unused workflow name
   * @param out where the progress goes
   * @return how the execution ended
   */
  public static ExecutionEnded defineRunAndWatch(OrchestratorClient client, String name, PrintStream out) {
    client.createWorkflow("name: " + name + "\n"
        + "tasks:\n"
        + "  - {id: hello, type: echo, body: {greeting: \"hello {{input.who}}\"}}\n"
        + "  - {id: world, type: echo, body: {from: \"{{hello.greeting}}\"}, depends_on: [hello]}\n");
    Execution execution = client.run(name, Map.of("who", "duke"));
    ExecutionEnded end = client.follow(execution.getId(), event -> {
      switch (event.getKindCase()) {
        case TASK_STARTED -> out.println("started " + event.getTaskStarted().getTaskId());
        case TASK_ENDED -> {
          TaskResult r = event.getTaskEnded().getResult();
          out.println("ended " + r.getTaskId() + " " + r.getStatus());
        }
        default -> { }
      }
    });
    out.println("execution " + end.getStatus());
    TaskResult world = client.getExecution(execution.getId()).getTaskResultsOrThrow("world");
    out.println("world said " + world.getOutput().getStructValue().getFieldsOrThrow("from").getStringValue());
    return end;
  }

  /**
   * Runs the example against a server.
   *
   * @param args the server's "host:port", and the workflow name
   */
  public static void main(String[] args) {
    try (OrchestratorClient client = OrchestratorClient.connect(args[0])) {
      defineRunAndWatch(client, args[1], System.out);
    }
  }
}
