package dev.orchestrator.client;

import dev.orchestrator.v1.Approval;
import dev.orchestrator.v1.ApprovalServiceGrpc;
import dev.orchestrator.v1.CancelRequest;
import dev.orchestrator.v1.CreateWorkflowRequest;
import dev.orchestrator.v1.DecideRequest;
import dev.orchestrator.v1.DecideResponse;
import dev.orchestrator.v1.Decision;
import dev.orchestrator.v1.Execution;
import dev.orchestrator.v1.ExecutionChange;
import dev.orchestrator.v1.ExecutionEnded;
import dev.orchestrator.v1.ExecutionEvent;
import dev.orchestrator.v1.ExecutionServiceGrpc;
import dev.orchestrator.v1.ExecutionState;
import dev.orchestrator.v1.GetExecutionRequest;
import dev.orchestrator.v1.ListApprovalsRequest;
import dev.orchestrator.v1.RunRequest;
import dev.orchestrator.v1.ValidateWorkflowRequest;
import dev.orchestrator.v1.ValidateWorkflowResponse;
import dev.orchestrator.v1.WatchExecutionsRequest;
import dev.orchestrator.v1.WatchRequest;
import dev.orchestrator.v1.Workflow;
import dev.orchestrator.v1.WorkflowServiceGrpc;
import dev.orchestrator.v1.WorkflowSpec;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A blocking client for one Orchestrator server: create workflows, run them,
 * follow their events, follow the server-wide feed, cancel, look up, list and
 * decide pending approvals.
 *
 * <p>Failed calls throw {@link io.grpc.StatusRuntimeException}; for example
 * {@link #getExecution} of an unknown id throws one whose {@code
 * getStatus().getCode()} is {@link Status.Code#NOT_FOUND}. The generated
 * stubs ({@link #workflows()}, {@link #executions()}, {@link #approvals()})
 * reach the rest of the API. Thread-safe; close it when done.
 */
public final class OrchestratorClient implements AutoCloseable {
  private final ManagedChannel channel;
  private final WorkflowServiceGrpc.WorkflowServiceBlockingStub workflows;
  private final ExecutionServiceGrpc.ExecutionServiceBlockingStub executions;
  private final ApprovalServiceGrpc.ApprovalServiceBlockingStub approvals;

  /**
   * A client over a channel the caller built (for TLS, auth interceptors, ...).
   * The client owns it: {@link #close()} shuts it down.
   *
   * @param channel the channel to the server
   */
  public OrchestratorClient(ManagedChannel channel) {
    this.channel = channel;
    this.workflows = WorkflowServiceGrpc.newBlockingStub(channel);
    this.executions = ExecutionServiceGrpc.newBlockingStub(channel);
    this.approvals = ApprovalServiceGrpc.newBlockingStub(channel);
  }

  /**
   * A plaintext client (as on loopback).
   *
   * @param target "host:port"
   * @return the client
   */
  public static OrchestratorClient connect(String target) {
    return new OrchestratorClient(ManagedChannelBuilder.forTarget(target).usePlaintext().build());
  }

  /** @return the generated WorkflowService stub, for the rest of its API */
  public WorkflowServiceGrpc.WorkflowServiceBlockingStub workflows() {
    return workflows;
  }

  /** @return the generated ExecutionService stub, for the rest of its API */
  public ExecutionServiceGrpc.ExecutionServiceBlockingStub executions() {
    return executions;
  }

  /** @return the generated ApprovalService stub, for the rest of its API */
  public ApprovalServiceGrpc.ApprovalServiceBlockingStub approvals() {
    return approvals;
  }

  /**
   * Stores a new workflow from a YAML or JSON document, as workflow files hold
   * it. ALREADY_EXISTS when the name is taken.
   *
   * @param definition the document
   * @return the stored workflow (version 1)
   */
  public Workflow createWorkflow(String definition) {
    return workflows.createWorkflow(CreateWorkflowRequest.newBuilder().setDefinition(definition).build());
  }

  /**
   * Stores a new workflow from a typed spec.
   *
   * @param spec the definition; its name names the workflow
   * @return the stored workflow (version 1)
   */
  public Workflow createWorkflow(WorkflowSpec spec) {
    return workflows.createWorkflow(CreateWorkflowRequest.newBuilder().setSpec(spec).build());
  }

  /**
   * Checks a YAML or JSON definition without storing it.
   *
   * @param definition the document
   * @return whether it is valid, and every problem found
   */
  public ValidateWorkflowResponse validateWorkflow(String definition) {
    return workflows.validateWorkflow(ValidateWorkflowRequest.newBuilder().setDefinition(definition).build());
  }

  /**
   * Starts the latest version of a workflow and returns once the server has
   * accepted it.
   *
   * @param workflow the workflow's name
   * @param parameters visible to expressions as {@code input}; null for none
   * @return the execution; its id names it
   */
  public Execution run(String workflow, Map<String, ?> parameters) {
    return runRequest(workflow, parameters, false);
  }

  /**
   * Runs the latest version of a workflow and returns when it has ended.
   *
   * @param workflow the workflow's name
   * @param parameters visible to expressions as {@code input}; null for none
   * @return the ended execution with its task results
   */
  public Execution runAndWait(String workflow, Map<String, ?> parameters) {
    return runRequest(workflow, parameters, true);
  }

  private Execution runRequest(String workflow, Map<String, ?> parameters, boolean wait) {
    RunRequest req = RunRequest.newBuilder()
        .setWorkflow(workflow)
        .setParameters(Values.toStruct(parameters))
        .setWait(wait)
        .build();
    return executions.run(req).getExecution();
  }

  /**
   * One execution with its task results.
   *
   * @param executionId the execution's id
   * @return the execution
   * @throws io.grpc.StatusRuntimeException NOT_FOUND for an unknown id
   */
  public Execution getExecution(String executionId) {
    return executions.getExecution(GetExecutionRequest.newBuilder().setExecutionId(executionId).build());
  }

  /**
   * Stops a running execution and records why.
   *
   * @param executionId the execution's id
   * @param reason recorded in the execution's error
   * @throws io.grpc.StatusRuntimeException NOT_FOUND when it is not running here
   */
  public void cancel(String executionId, String reason) {
    executions.cancel(CancelRequest.newBuilder().setExecutionId(executionId).setReason(reason).build());
  }

  /**
   * Every approval waiting for a decision, oldest first.
   *
   * @return the pending approvals
   */
  public List<Approval> listApprovals() {
    return listApprovals(null, null);
  }

  /**
   * The approvals waiting for a decision, oldest first.
   *
   * @param workflow only this workflow's; all when null or empty
   * @param executionId only this execution's; all when null or empty
   * @return the pending approvals
   */
  public List<Approval> listApprovals(String workflow, String executionId) {
    ListApprovalsRequest.Builder req = ListApprovalsRequest.newBuilder();
    if (workflow != null) {
      req.setWorkflow(workflow);
    }
    if (executionId != null) {
      req.setExecutionId(executionId);
    }
    return approvals.listApprovals(req.build()).getApprovalsList();
  }

  /**
   * Approves a pending approval: its task succeeds and the run goes on. The
   * answer comes once the decision is durable.
   *
   * @param executionId the execution's id
   * @param taskId the approval task's id
   * @param reason why; recorded in the history and the audit trail
   * @param input answers the fields the approval asks for, converted as
   *     {@link #run} converts parameters ({@link Values#toStruct}); null for none
   * @return the decision as recorded
   * @throws io.grpc.StatusRuntimeException NOT_FOUND when no such approval is
   *     pending; INVALID_ARGUMENT naming the field ({@code input.ticket: required
   *     to approve}) when {@code input} does not fit; PERMISSION_DENIED when the
   *     caller may not decide it; UNAVAILABLE while its execution is being
   *     resumed (ask again)
   */
  public DecideResponse approve(String executionId, String taskId, String reason, Map<String, ?> input) {
    return decide(executionId, taskId, Decision.DECISION_APPROVE, reason, input);
  }

  /**
   * Rejects a pending approval: its task fails with {@code reason}. The answer
   * comes once the decision is durable.
   *
   * @param executionId the execution's id
   * @param taskId the approval task's id
   * @param reason why; the task's error and recorded in the audit trail
   * @return the decision as recorded
   * @throws io.grpc.StatusRuntimeException as {@link #approve} does
   */
  public DecideResponse reject(String executionId, String taskId, String reason) {
    return decide(executionId, taskId, Decision.DECISION_REJECT, reason, null);
  }

  private DecideResponse decide(
      String executionId, String taskId, Decision decision, String reason, Map<String, ?> input) {
    DecideRequest req = DecideRequest.newBuilder()
        .setExecutionId(executionId)
        .setTaskId(taskId)
        .setDecision(decision)
        .setReason(reason)
        .setInput(Values.toStruct(input))
        .build();
    return approvals.decide(req);
  }

  /**
   * An execution's events from sequence number {@code fromSeq} on (0: its whole
   * history), then live ones; the iterator ends after {@code execution_ended}.
   *
   * @param executionId the execution's id
   * @param fromSeq the first sequence number wanted
   * @return the events; close it to stop early
   */
  public StreamIterator<ExecutionEvent> watch(String executionId, long fromSeq) {
    WatchRequest req = WatchRequest.newBuilder().setExecutionId(executionId).setFromSeq(fromSeq).build();
    return new StreamIterator<>(() -> executions.watch(req));
  }

  /**
   * Watches an execution from its start, hands every event to {@code onEvent},
   * and returns the {@code execution_ended} event.
   *
   * @param executionId the execution's id
   * @param onEvent called for each event, in order; may be null
   * @return how the execution ended
   * @throws IllegalStateException if the stream closed without execution_ended
   */
  public ExecutionEnded follow(String executionId, Consumer<ExecutionEvent> onEvent) {
    try (StreamIterator<ExecutionEvent> events = watch(executionId, 0)) {
      while (events.hasNext()) {
        ExecutionEvent event = events.next();
        if (onEvent != null) {
          onEvent.accept(event);
        }
        if (event.hasExecutionEnded()) {
          return event.getExecutionEnded();
        }
      }
    }
    throw new IllegalStateException("watch of " + executionId + " closed before execution_ended");
  }

  /**
   * The server-wide live feed of execution changes. It does not end by itself:
   * close the iterator to stop. Keep the last change's cursor to resume.
   *
   * @param workflows only these workflows' changes; all when empty
   * @param states only changes that leave their execution in these states; all when empty
   * @param after the cursor of the last change seen, or "" for live changes from now
   * @return the changes
   */
  public StreamIterator<ExecutionChange> watchExecutions(
      List<String> workflows, List<ExecutionState> states, String after) {
    WatchExecutionsRequest req = WatchExecutionsRequest.newBuilder()
        .addAllWorkflows(workflows)
        .addAllStates(states)
        .setAfter(after)
        .build();
    return new StreamIterator<>(() -> executions.watchExecutions(req));
  }

  /**
   * Shuts the channel down, waiting up to 5 seconds for calls to finish
   * (an interrupt cuts the wait short and stays set).
   */
  @Override
  public void close() {
    channel.shutdown();
    try {
      if (channel.awaitTermination(5, TimeUnit.SECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    channel.shutdownNow();
  }
}
