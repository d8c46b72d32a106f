/**
 * The transport-independent client: typed service clients for every
 * Orchestrator service, and helpers for the common calls. Failed calls
 * reject with `ConnectError`; `err.code` is a `Code` (`Code.NotFound`,
 * `Code.AlreadyExists`, ...), `err.rawMessage` the server's message.
 * @module
 */
import { create, fromJson, toJson, type JsonObject, type JsonValue, type MessageInitShape } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import { createClient, type CallOptions, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { AdminService } from "./gen/orchestrator/v1/admin_service_pb.js";
import {
  ApprovalService,
  Decision,
  type Approval,
  type DecideResponse,
  type ListApprovalsRequestSchema,
} from "./gen/orchestrator/v1/approval_service_pb.js";
import { EventService } from "./gen/orchestrator/v1/event_service_pb.js";
import type { Execution, ExecutionEnded, ExecutionEvent } from "./gen/orchestrator/v1/execution_pb.js";
import {
  ExecutionService,
  type ExecutionChange,
  type WatchExecutionsRequestSchema,
} from "./gen/orchestrator/v1/execution_service_pb.js";
import { ScheduleService } from "./gen/orchestrator/v1/schedule_service_pb.js";
import { WorkflowSpecSchema, type Workflow, type WorkflowSpec } from "./gen/orchestrator/v1/workflow_pb.js";
import { WorkflowService, type ValidateWorkflowResponse } from "./gen/orchestrator/v1/workflow_service_pb.js";

/**
 * A workflow definition: a YAML or JSON document (as in the repository's
 * examples/*.yaml, sent as `definition`), or a typed `WorkflowSpec` (or the
 * plain object `create(WorkflowSpecSchema, ...)` accepts).
 */
export type Definition = string | WorkflowSpec | MessageInitShape<typeof WorkflowSpecSchema>;

/** What `run` and `runStream` send besides the workflow's name. */
export interface RunOptions {
  /** Parameters, visible to the workflow's expressions as `input`. */
  parameters?: JsonObject;
  /** Workflow version; 0 or absent for the latest. */
  version?: number;
  /** Answer only when the execution has ended (`run` only). */
  wait?: boolean;
}

/** Which executions' changes `watchExecutions` follows, and from where. */
export type WatchExecutionsOptions = MessageInitShape<typeof WatchExecutionsRequestSchema>;

/** Which pending approvals `listApprovals` lists: all, or only a workflow's or an execution's. */
export type ListApprovalsOptions = MessageInitShape<typeof ListApprovalsRequestSchema>;

/** An interceptor that sends `authorization: Bearer <token>` with every call. */
export function bearerAuth(token: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

/**
 * A `google.protobuf.Value` (a task's `output`, an echo `body`, an
 * execution's `event`) as plain JSON; `null` when absent.
 */
export function fromValue(value: Value | undefined): JsonValue {
  return value === undefined ? null : toJson(ValueSchema, value);
}

/** Plain JSON as a `google.protobuf.Value`, for the `body` fields of a typed spec. */
export function toValue(json: JsonValue): Value {
  return fromJson(ValueSchema, json);
}

/** The request fields that carry a definition: `spec` or `definition`. */
function definitionFields(def: Definition): { definition: string } | { spec: WorkflowSpec } {
  return typeof def === "string" ? { definition: def } : { spec: create(WorkflowSpecSchema, def) };
}

/**
 * A connection to one Orchestrator server. Build it with
 * `createOrchestratorClient` (Node: gRPC or gRPC-Web; `/web`: gRPC-Web), or
 * from any connect-es `Transport`.
 */
export class OrchestratorClient {
  /** WorkflowService: create, update, read, list, archive, validate workflows. */
  readonly workflows: Client<typeof WorkflowService>;
  /** ExecutionService: run, watch, read, list, cancel and retry executions. */
  readonly executions: Client<typeof ExecutionService>;
  /** ScheduleService: cron and interval schedules. */
  readonly schedules: Client<typeof ScheduleService>;
  /** EventService: publish events, manage triggers. */
  readonly events: Client<typeof EventService>;
  /** AdminService: stats, compaction, audit log. */
  readonly admin: Client<typeof AdminService>;
  /** ApprovalService: list and decide the approvals that wait for a person. */
  readonly approvals: Client<typeof ApprovalService>;
  readonly #close: () => void;

  /**
   * @param transport - a connect-es transport to the server's gRPC port.
   * @param close - releases the transport's connections (see `close()`).
   */
  constructor(transport: Transport, close: () => void = () => undefined) {
    this.workflows = createClient(WorkflowService, transport);
    this.executions = createClient(ExecutionService, transport);
    this.schedules = createClient(ScheduleService, transport);
    this.events = createClient(EventService, transport);
    this.admin = createClient(AdminService, transport);
    this.approvals = createClient(ApprovalService, transport);
    this.#close = close;
  }

  /** Stores a new workflow. `Code.AlreadyExists` when its name is taken. */
  createWorkflow(def: Definition, options?: CallOptions): Promise<Workflow> {
    return this.workflows.createWorkflow(definitionFields(def), options);
  }

  /** Stores a new version of an existing workflow. */
  updateWorkflow(def: Definition, options?: CallOptions): Promise<Workflow> {
    return this.workflows.updateWorkflow(definitionFields(def), options);
  }

  /** Checks a definition without storing it; `valid` and every problem found. */
  validateWorkflow(def: Definition, options?: CallOptions): Promise<ValidateWorkflowResponse> {
    return this.workflows.validateWorkflow(definitionFields(def), options);
  }

  /**
   * Starts an execution of a stored workflow and answers with it: as soon
   * as it is accepted, or with `wait` when it has ended. `Code.NotFound` for
   * an unknown workflow.
   */
  async run(workflow: string, run: RunOptions = {}, options?: CallOptions): Promise<Execution> {
    const res = await this.executions.run({ workflow, ...run }, options);
    if (res.execution === undefined) throw new Error("Run answered without an execution");
    return res.execution;
  }

  /** Starts an execution and yields its events until it has ended. */
  runStream(workflow: string, run: Omit<RunOptions, "wait"> = {}, options?: CallOptions): AsyncIterable<ExecutionEvent> {
    return this.executions.runStream({ workflow, ...run }, options);
  }

  /**
   * An execution's events (from `fromSeq`, default all), then its live
   * events; the iteration ends after the `executionEnded` event.
   */
  watch(executionId: string, fromSeq = 0n, options?: CallOptions): AsyncIterable<ExecutionEvent> {
    return this.executions.watch({ executionId, fromSeq }, options);
  }

  /**
   * Follows an execution to its end and answers with its final
   * `ExecutionEnded` event (state, error, who cancelled it).
   */
  async waitForEnd(executionId: string, options?: CallOptions): Promise<ExecutionEnded> {
    for await (const event of this.watch(executionId, 0n, options)) {
      if (event.kind.case === "executionEnded") return event.kind.value;
    }
    throw new Error(`the watch of ${executionId} closed before the execution ended`);
  }

  /**
   * The server-wide feed of execution changes, filtered by workflow and
   * state. It does not end by itself: break out of the loop or abort
   * `options.signal`. To resume without gaps or duplicates, pass the last
   * change's `cursor` as `after`; `Code.OutOfRange` when that cursor is
   * older than the server's buffer.
   */
  watchExecutions(watch: WatchExecutionsOptions = {}, options?: CallOptions): AsyncIterable<ExecutionChange> {
    return this.executions.watchExecutions(watch, options);
  }

  /** One execution with its task results. `Code.NotFound` for an unknown id. */
  getExecution(executionId: string, options?: CallOptions): Promise<Execution> {
    return this.executions.getExecution({ executionId }, options);
  }

  /**
   * Stops a running execution; `reason` is recorded in its `error`.
   * `Code.NotFound` when it is not running on this server.
   */
  async cancel(executionId: string, reason: string, options?: CallOptions): Promise<void> {
    await this.executions.cancel({ executionId, reason }, options);
  }

  /** The approvals waiting for a decision, oldest first; only `workflow`'s or `executionId`'s when given. */
  async listApprovals(filter: ListApprovalsOptions = {}, options?: CallOptions): Promise<Approval[]> {
    return (await this.approvals.listApprovals(filter, options)).approvals;
  }

  /**
   * Approves a pending approval: its task succeeds and the run goes on.
   * `input` (a plain object) answers the fields the approval asks for. The
   * answer comes once the decision is durable. `Code.NotFound` when no such
   * approval is pending, `Code.InvalidArgument` naming the field
   * (`input.ticket: required to approve`) when `input` does not fit,
   * `Code.PermissionDenied` when the caller may not decide it,
   * `Code.Unavailable` while its execution is being resumed (ask again).
   */
  approve(executionId: string, taskId: string, reason: string, input: JsonObject = {}, options?: CallOptions): Promise<DecideResponse> {
    return this.approvals.decide({ executionId, taskId, decision: Decision.APPROVE, reason, input }, options);
  }

  /** Rejects a pending approval: its task fails with `reason`. Rejects as `approve` does. */
  reject(executionId: string, taskId: string, reason: string, options?: CallOptions): Promise<DecideResponse> {
    return this.approvals.decide({ executionId, taskId, decision: Decision.REJECT, reason }, options);
  }

  /** Closes the client's connections; calls after it fail. */
  close(): void {
    this.#close();
  }
}
