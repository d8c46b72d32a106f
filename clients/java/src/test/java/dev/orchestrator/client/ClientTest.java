package dev.orchestrator.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.orchestrator.v1.EchoConfig;
import dev.orchestrator.v1.Execution;
import dev.orchestrator.v1.ExecutionEnded;
import dev.orchestrator.v1.ExecutionEvent;
import dev.orchestrator.v1.ExecutionState;
import dev.orchestrator.v1.TaskSpec;
import dev.orchestrator.v1.TaskState;
import dev.orchestrator.v1.Workflow;
import dev.orchestrator.v1.WorkflowSpec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** Workflows, runs, events, cancel and not-found against the live server. */
public class ClientTest extends ServerTest {
  @Test
  public void definitionRunWatch() {
    String name = unique("java-diamond");
    String yaml = "name: " + name + "\n"
        + "tasks:\n"
        + "  - {id: top, type: echo, body: {x: \"{{input.x}}\"}}\n"
        + "  - {id: left, type: echo, body: {step: left}, depends_on: [top]}\n"
        + "  - {id: right, type: echo, body: {step: right}, depends_on: [top]}\n"
        + "  - {id: bottom, type: echo, body: {step: bottom}, depends_on: [left, right]}\n";
    Workflow wf = client.createWorkflow(yaml);
    assertEquals(name, wf.getSpec().getName());
    assertEquals(1, wf.getVersion());
    assertEquals(4, wf.getSpec().getTasksCount());
    assertCode(Status.Code.ALREADY_EXISTS, () -> client.createWorkflow(yaml));

    Execution ex = client.run(name, Map.of("x", "hello"));
    List<ExecutionEvent.KindCase> kinds = new ArrayList<>();
    Map<String, TaskState> ended = new HashMap<>();
    ExecutionEnded end = client.follow(ex.getId(), event -> {
      assertEquals(ex.getId(), event.getExecutionId());
      kinds.add(event.getKindCase());
      if (event.hasTaskEnded()) {
        ended.put(event.getTaskEnded().getResult().getTaskId(), event.getTaskEnded().getResult().getStatus());
      }
    });
    assertEquals(end.getError(), ExecutionState.EXECUTION_STATE_COMPLETED, end.getStatus());
    assertEquals(ExecutionEvent.KindCase.EXECUTION_STARTED, kinds.get(0));
    assertEquals(ExecutionEvent.KindCase.EXECUTION_ENDED, kinds.get(kinds.size() - 1));
    assertEquals(4, ended.size());
    assertEquals(TaskState.TASK_STATE_SUCCEEDED, ended.get("bottom"));

    // The record shows the end as soon as Watch has delivered execution_ended.
    Execution got = client.getExecution(ex.getId());
    assertEquals(ExecutionState.EXECUTION_STATE_COMPLETED, got.getStatus());
    assertEquals("hello", got.getTaskResultsOrThrow("top").getOutput().getStructValue()
        .getFieldsOrThrow("x").getStringValue());
  }

  @Test
  public void typedSpecRunAndWait() {
    String name = unique("java-typed");
    WorkflowSpec spec = WorkflowSpec.newBuilder()
        .setName(name)
        .addTasks(TaskSpec.newBuilder().setId("greet").setType("echo")
            .setEcho(EchoConfig.newBuilder().setBody(Values.toValue(Map.of("greeting", "{{input.who}}")))))
        .addTasks(TaskSpec.newBuilder().setId("after").setType("echo").addDependsOn("greet"))
        .build();
    client.createWorkflow(spec);
    Execution ex = client.runAndWait(name, Map.of("who", "duke"));
    assertEquals(ex.getError(), ExecutionState.EXECUTION_STATE_COMPLETED, ex.getStatus());
    assertEquals("duke", ex.getTaskResultsOrThrow("greet").getOutput().getStructValue()
        .getFieldsOrThrow("greeting").getStringValue());
  }

  @Test
  public void autoThreatResponseDefinition() throws IOException {
    String doc = Files.readString(Path.of("../../examples/auto_threat_response.yaml"));
    assertTrue(client.validateWorkflow(doc).toString(), client.validateWorkflow(doc).getValid());
    // Unchanged: the first client of a harness run stores it, later ones find the name taken.
    try {
      assertEquals("auto_threat_response", client.createWorkflow(doc).getSpec().getName());
    } catch (StatusRuntimeException e) {
      assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
    }
    // Renamed, so that this run certainly stores it.
    String name = unique("java-atr");
    Workflow wf = client.createWorkflow(doc.replaceFirst("name: auto_threat_response", "name: " + name));
    assertEquals(name, wf.getSpec().getName());
    assertTrue(wf.getSpec().getTasksCount() >= 4);
  }

  @Test
  public void cancelWithReason() {
    String name = unique("java-nap");
    client.createWorkflow("name: " + name + "\ntasks:\n  - {id: nap, type: sleep, duration: 30s}\n");
    Execution ex = client.run(name, null);
    ExecutionEnded end = client.follow(ex.getId(), event -> {
      if (event.hasTaskStarted() && event.getTaskStarted().getTaskId().equals("nap")) {
        client.cancel(ex.getId(), "java test says stop");
      }
    });
    assertEquals(ExecutionState.EXECUTION_STATE_CANCELLED, end.getStatus());
    // The record shows the end as soon as Watch has delivered execution_ended.
    Execution got = client.getExecution(ex.getId());
    assertEquals(ExecutionState.EXECUTION_STATE_CANCELLED, got.getStatus());
    assertTrue(got.getError(), got.getError().contains("java test says stop"));
  }

  @Test
  public void unknownExecutionIsNotFound() {
    assertCode(Status.Code.NOT_FOUND, () -> client.getExecution(unique("no-such-execution")));
  }

  @Test
  public void exampleDefinesRunsAndWatches() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    ExecutionEnded end = Example.defineRunAndWatch(client, unique("java-example"), out);
    assertEquals(ExecutionState.EXECUTION_STATE_COMPLETED, end.getStatus());
    assertEquals(String.join("\n",
        "started hello", "ended hello TASK_STATE_SUCCEEDED",
        "started world", "ended world TASK_STATE_SUCCEEDED",
        "execution EXECUTION_STATE_COMPLETED", "world said hello duke", ""),
        buf.toString(StandardCharsets.UTF_8));
  }

  /**
   * Asserts that call fails with the given gRPC code.
   *
   * @return the failure, for a look at its message
   */
  static StatusRuntimeException assertCode(Status.Code code, Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      assertEquals(e.toString(), code, e.getStatus().getCode());
      return e;
    }
    throw new AssertionError("expected " + code);
  }
}
