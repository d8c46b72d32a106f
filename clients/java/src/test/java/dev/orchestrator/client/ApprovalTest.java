package dev.orchestrator.client;

import static dev.orchestrator.client.ClientTest.assertCode;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.orchestrator.v1.Approval;
import dev.orchestrator.v1.ApprovalField;
import dev.orchestrator.v1.DecideResponse;
import dev.orchestrator.v1.Decision;
import dev.orchestrator.v1.Execution;
import dev.orchestrator.v1.ExecutionEnded;
import dev.orchestrator.v1.ExecutionState;
import dev.orchestrator.v1.TaskResult;
import dev.orchestrator.v1.TaskState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** ListApprovals and Decide (approve, reject) against the live server. */
public class ApprovalTest extends ServerTest {
  /** A workflow whose run waits at the approval {@code ask}, which requires a {@code ticket}. */
  private static String gate(String name) {
    return "name: " + name + "\n"
        + "tasks:\n"
        + "  - {id: ask, type: approval, message: 'Block it?', input: {ticket: {type: string, required: true}}}\n"
        + "  - {id: after, type: echo, depends_on: [ask]}\n";
  }

  /** Stores gate(name), runs it and returns the execution once its approval is listed. */
  private Execution startGate(String name) throws InterruptedException {
    client.createWorkflow(gate(name));
    Execution ex = client.run(name, null);
    pending(ex.getId());
    return ex;
  }

  /** Polls ListApprovals (for at most 20 s) until the execution's approval is listed. */
  private Approval pending(String executionId) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (true) {
      List<Approval> approvals = client.listApprovals(null, executionId);
      if (!approvals.isEmpty()) {
        assertEquals(approvals.toString(), 1, approvals.size());
        return approvals.get(0);
      }
      assertTrue("no approval of " + executionId + " listed within 20 s", System.nanoTime() < deadline);
      Thread.sleep(50);
    }
  }

  @Test
  public void approveWithInputCompletesTheRun() throws InterruptedException {
    String name = unique("java-approve");
    client.createWorkflow(gate(name));
    Execution ex = client.run(name, null);

    Approval approval = pending(ex.getId());
    assertEquals(List.of(ex.getId(), name, "ask", "Block it?"),
        List.of(approval.getExecutionId(), approval.getWorkflow(), approval.getTaskId(), approval.getMessage()));
    assertEquals(1, approval.getInputCount());
    ApprovalField field = approval.getInput(0);
    assertEquals(List.of("ticket", "string", true), List.of(field.getName(), field.getType(), field.getRequired()));
    assertTrue(approval.getRequestedAt().getSeconds() > 0);
    assertFalse(approval.hasDeadline());
    assertEquals(List.of(ex.getId()),
        client.listApprovals(name, null).stream().map(Approval::getExecutionId).toList());
    assertTrue(client.listApprovals().stream().anyMatch(a -> a.getExecutionId().equals(ex.getId())));
    assertEquals(ExecutionState.EXECUTION_STATE_WAITING, client.getExecution(ex.getId()).getStatus());

    String reason = "approved by the java client test " + name;
    DecideResponse decided = client.approve(ex.getId(), "ask", reason, Map.of("ticket", "CHG-1234"));
    assertEquals(List.of(ex.getId(), "ask", Decision.DECISION_APPROVE, reason),
        List.of(decided.getExecutionId(), decided.getTaskId(), decided.getDecision(), decided.getReason()));
    assertFalse(decided.getDecidedBy().isEmpty());
    assertEquals(Values.toStruct(Map.of("ticket", "CHG-1234")), decided.getInput());

    ExecutionEnded end = client.follow(ex.getId(), null);
    assertEquals(end.getError(), ExecutionState.EXECUTION_STATE_COMPLETED, end.getStatus());
    // The record shows the end as soon as Watch has delivered execution_ended.
    Execution got = client.getExecution(ex.getId());
    TaskResult ask = got.getTaskResultsOrThrow("ask");
    assertEquals(TaskState.TASK_STATE_SUCCEEDED, ask.getStatus());
    assertEquals(Values.toStruct(Map.of(
            "decision", "approve",
            "by", decided.getDecidedBy(),
            "reason", reason,
            "input", Map.of("ticket", "CHG-1234"))),
        ask.getOutput().getStructValue());
    assertEquals(TaskState.TASK_STATE_SUCCEEDED, got.getTaskResultsOrThrow("after").getStatus());
    assertEquals(List.of(), client.listApprovals(null, ex.getId()));
  }

  @Test
  public void rejectFailsTheRun() throws InterruptedException {
    String name = unique("java-reject");
    Execution ex = startGate(name);

    String reason = "rejected by the java client test " + name;
    DecideResponse decided = client.reject(ex.getId(), "ask", reason);
    assertEquals(Decision.DECISION_REJECT, decided.getDecision());
    assertEquals(reason, decided.getReason());

    ExecutionEnded end = client.follow(ex.getId(), null);
    assertEquals(ExecutionState.EXECUTION_STATE_FAILED, end.getStatus());
    Execution got = client.getExecution(ex.getId());
    assertTrue(got.getError(), got.getError().contains(reason));
    TaskResult ask = got.getTaskResultsOrThrow("ask");
    assertEquals(TaskState.TASK_STATE_FAILED, ask.getStatus());
    assertEquals("rejected by " + decided.getDecidedBy() + ": " + reason, ask.getError());
    assertEquals(TaskState.TASK_STATE_CANCELLED, got.getTaskResultsOrThrow("after").getStatus());
    assertEquals(List.of(), client.listApprovals(null, ex.getId()));
  }

  @Test
  public void approveWithoutRequiredInputIsInvalid() throws InterruptedException {
    String name = unique("java-noticket");
    Execution ex = startGate(name);

    StatusRuntimeException e = assertCode(Status.Code.INVALID_ARGUMENT,
        () -> client.approve(ex.getId(), "ask", "no ticket", null));
    assertTrue(e.toString(), e.getStatus().getDescription().contains("input.ticket"));
    e = assertCode(Status.Code.INVALID_ARGUMENT,
        () -> client.approve(ex.getId(), "ask", "wrong type", Map.of("ticket", 7)));
    assertTrue(e.toString(), e.getStatus().getDescription().contains("ticket"));

    // A refusal changes nothing: it still waits, and is decided normally.
    assertEquals("ask", pending(ex.getId()).getTaskId());
    client.reject(ex.getId(), "ask", "cleaning up");
    assertEquals(ExecutionState.EXECUTION_STATE_FAILED, client.follow(ex.getId(), null).getStatus());
  }

  @Test
  public void decidingWhatIsNotPendingIsNotFound() throws InterruptedException {
    String name = unique("java-decided");
    Execution ex = startGate(name);
    client.approve(ex.getId(), "ask", "once", Map.of("ticket", "CHG-1"));

    // Decided already: neither a second approval nor a rejection finds it.
    assertCode(Status.Code.NOT_FOUND, () -> client.approve(ex.getId(), "ask", "twice", Map.of("ticket", "CHG-2")));
    assertCode(Status.Code.NOT_FOUND, () -> client.reject(ex.getId(), "ask", "too late"));
    assertCode(Status.Code.NOT_FOUND, () -> client.reject(unique("no-such-execution"), "ask", "never ran"));
    ExecutionEnded end = client.follow(ex.getId(), null);
    assertEquals(end.getError(), ExecutionState.EXECUTION_STATE_COMPLETED, end.getStatus());
    // A task that is no approval of the run is not pending either.
    assertCode(Status.Code.NOT_FOUND, () -> client.approve(ex.getId(), "after", "not an approval", null));
  }
}
