"""OrchestratorClient: the typed asyncio wrapper over the generated stubs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import grpc
from google.protobuf import struct_pb2

from ._auth import BearerToken
from ._stream import Stream
from .errors import from_rpc_error
from .v1 import (
    approval_service_pb2,
    approval_service_pb2_grpc,
    execution_pb2,
    execution_service_pb2,
    execution_service_pb2_grpc,
    workflow_pb2,
    workflow_service_pb2,
    workflow_service_pb2_grpc,
)

Req = TypeVar("Req")
Resp = TypeVar("Resp")

ExecutionState = execution_pb2.ExecutionState
Decision = approval_service_pb2.Decision


class OrchestratorClient:
    """An asyncio client of one Orchestrator server's gRPC API.

    Create it inside a running event loop, preferably with ``async with``
    (which closes the channel)::

        async with OrchestratorClient("127.0.0.1:50051") as client:
            workflow = await client.create_workflow(definition=yaml_text)

    Every failed call raises an :class:`~orchestrator_client.OrchestratorError`
    subclass chosen by the gRPC status code (``NotFoundError`` for NOT_FOUND).
    The generated async stubs are :attr:`workflow_service`,
    :attr:`execution_service` and :attr:`approval_service`; :attr:`channel`
    serves the other services (their stubs are in ``orchestrator_client.v1``)
    with the same token.
    """

    def __init__(
        self,
        target: str,
        *,
        token: str | None = None,
        tls: bool = False,
        root_certificates: bytes | None = None,
        private_key: bytes | None = None,
        certificate_chain: bytes | None = None,
        timeout: float | None = None,
        options: Sequence[tuple[str, str | int]] = (),
    ) -> None:
        """Open a channel to ``target`` (``host:port``).

        Args:
            target: The server's gRPC address, ``host:port``.
            token: A bearer token, sent as ``authorization: Bearer <token>``
                metadata on every call.
            tls: Use TLS (implied by any of the three PEM arguments).
            root_certificates: PEM CA certificates to trust instead of the
                system's.
            private_key: PEM client key, for mutual TLS.
            certificate_chain: PEM client certificate chain, for mutual TLS.
            timeout: Deadline in seconds for each unary call; None for none.
                Streams never get one.
            options: Extra gRPC channel arguments.

        """
        interceptors = [BearerToken(token)] if token else None
        if tls or root_certificates or private_key or certificate_chain:
            credentials = grpc.ssl_channel_credentials(
                root_certificates, private_key, certificate_chain
            )
            self.channel = grpc.aio.secure_channel(
                target, credentials, options=list(options), interceptors=interceptors
            )
        else:
            self.channel = grpc.aio.insecure_channel(
                target, options=list(options), interceptors=interceptors
            )
        self._timeout = timeout
        self.workflow_service = workflow_service_pb2_grpc.WorkflowServiceStub(self.channel)
        self.execution_service = execution_service_pb2_grpc.ExecutionServiceStub(self.channel)
        self.approval_service = approval_service_pb2_grpc.ApprovalServiceStub(self.channel)

    async def __aenter__(self) -> Self:
        """Return the client; the channel is closed when the block exits."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the channel."""
        await self.close()

    async def close(self) -> None:
        """Close the channel, cancelling the calls still running on it."""
        await self.channel.close()

    async def _unary(self, method: grpc.aio.UnaryUnaryMultiCallable[Req, Resp], req: Req) -> Resp:
        try:
            return await method(req, timeout=self._timeout)
        except grpc.aio.AioRpcError as err:
            raise from_rpc_error(err) from err

    # Workflows

    async def create_workflow(
        self, spec: workflow_pb2.WorkflowSpec | None = None, *, definition: str | None = None
    ) -> workflow_pb2.Workflow:
        """Store a new workflow (version 1) from a typed ``spec`` or a ``definition``.

        ``definition`` is a YAML or JSON document, exactly as the workflow files
        hold it. Raises AlreadyExistsError when the name is taken, and
        InvalidArgumentError listing every problem of an invalid definition.
        """
        req = workflow_service_pb2.CreateWorkflowRequest(
            spec=spec, definition=_definition(spec, definition)
        )
        return await self._unary(self.workflow_service.CreateWorkflow, req)

    async def update_workflow(
        self, spec: workflow_pb2.WorkflowSpec | None = None, *, definition: str | None = None
    ) -> workflow_pb2.Workflow:
        """Store a new version of an existing workflow; NotFoundError if unknown."""
        req = workflow_service_pb2.UpdateWorkflowRequest(
            spec=spec, definition=_definition(spec, definition)
        )
        return await self._unary(self.workflow_service.UpdateWorkflow, req)

    async def validate_workflow(
        self, spec: workflow_pb2.WorkflowSpec | None = None, *, definition: str | None = None
    ) -> workflow_service_pb2.ValidateWorkflowResponse:
        """Check a definition without storing it; the problems are in the reply."""
        req = workflow_service_pb2.ValidateWorkflowRequest(
            spec=spec, definition=_definition(spec, definition)
        )
        return await self._unary(self.workflow_service.ValidateWorkflow, req)

    async def get_workflow(self, name: str, version: int = 0) -> workflow_pb2.Workflow:
        """Read one version of a workflow (0: the latest); NotFoundError if unknown."""
        req = workflow_service_pb2.GetWorkflowRequest(name=name, version=version)
        return await self._unary(self.workflow_service.GetWorkflow, req)

    async def list_workflows(
        self, *, include_archived: bool = False
    ) -> list[workflow_pb2.Workflow]:
        """List the latest version of every workflow."""
        req = workflow_service_pb2.ListWorkflowsRequest(include_archived=include_archived)
        return list((await self._unary(self.workflow_service.ListWorkflows, req)).workflows)

    async def purge_workflow(self, name: str) -> int:
        """Remove every version of a workflow for good; returns how many."""
        req = workflow_service_pb2.WorkflowName(name=name)
        return (await self._unary(self.workflow_service.PurgeWorkflow, req)).versions_removed

    # Executions

    async def run(
        self,
        workflow: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        version: int = 0,
        wait: bool = False,
    ) -> execution_pb2.Execution:
        """Start an execution of a stored workflow and return it.

        ``parameters`` (JSON-like values) are visible to expressions as
        ``input``. Without ``wait`` the call returns as soon as the run is
        accepted; follow it with :meth:`watch`. With ``wait`` it returns the
        ended execution with its task results.
        """
        req = _run_request(workflow, parameters, version, wait)
        return (await self._unary(self.execution_service.Run, req)).execution

    def run_stream(
        self, workflow: str, parameters: Mapping[str, Any] | None = None, *, version: int = 0
    ) -> Stream[execution_pb2.ExecutionEvent]:
        """Start an execution and stream its events until it ends."""
        req = _run_request(workflow, parameters, version, False)
        return Stream(self.execution_service.RunStream(req))

    def watch(self, execution_id: str, from_seq: int = 0) -> Stream[execution_pb2.ExecutionEvent]:
        """Stream an execution's events from ``from_seq`` (0: all), then live ones.

        The stream closes after the ``execution_ended`` event. Iterating raises
        NotFoundError for an unknown id.
        """
        req = execution_service_pb2.WatchRequest(execution_id=execution_id, from_seq=from_seq)
        return Stream(self.execution_service.Watch(req))

    def watch_executions(
        self,
        workflows: Iterable[str] = (),
        *,
        states: Iterable[execution_pb2.ExecutionState.ValueType] = (),
        after: str = "",
    ) -> Stream[execution_service_pb2.ExecutionChange]:
        """Stream the server-wide feed of execution changes.

        Filtered by workflow names and resulting states (all when empty). Pass
        the ``cursor`` of the last change seen as ``after`` to resume without
        gaps or duplicates; without it the feed starts now (await
        :meth:`Stream.ready` to know when). OutOfRangeError for an expired cursor.
        """
        req = execution_service_pb2.WatchExecutionsRequest(
            workflows=list(workflows), states=list(states), after=after
        )
        return Stream(self.execution_service.WatchExecutions(req))

    async def get_execution(self, execution_id: str) -> execution_pb2.Execution:
        """Read one execution with its task results; NotFoundError if unknown."""
        req = execution_service_pb2.GetExecutionRequest(execution_id=execution_id)
        return await self._unary(self.execution_service.GetExecution, req)

    async def wait_for(self, execution_id: str) -> execution_pb2.Execution:
        """Follow an execution until it ends, then return its final record."""
        async with self.watch(execution_id) as events:
            async for _ in events:
                pass
        return await self.get_execution(execution_id)

    async def list_executions(
        self,
        *,
        workflow: str = "",
        status: execution_pb2.ExecutionState.ValueType = ExecutionState.EXECUTION_STATE_UNSPECIFIED,
        page_size: int = 0,
    ) -> AsyncIterator[execution_pb2.Execution]:
        """Yield executions newest first, filtered by workflow and state, page by page."""
        req = execution_service_pb2.ListExecutionsRequest(
            workflow=workflow, status=status, page_size=page_size
        )
        while True:
            page = await self._unary(self.execution_service.ListExecutions, req)
            for execution in page.executions:
                yield execution
            if not page.next_page_token:
                return
            req.page_token = page.next_page_token

    async def cancel(self, execution_id: str, reason: str = "") -> None:
        """Stop a running execution; ``reason`` is recorded in its ``error``.

        NotFoundError when it is not running on this server.
        """
        req = execution_service_pb2.CancelRequest(execution_id=execution_id, reason=reason)
        await self._unary(self.execution_service.Cancel, req)

    async def retry(self, execution_id: str, *, wait: bool = False) -> execution_pb2.Execution:
        """Run again the failed, cancelled and timed-out tasks of an ended execution."""
        req = execution_service_pb2.RetryRequest(execution_id=execution_id, wait=wait)
        return (await self._unary(self.execution_service.Retry, req)).execution

    # Approvals

    async def list_approvals(
        self, workflow: str | None = None, execution_id: str | None = None
    ) -> list[approval_service_pb2.Approval]:
        """List the approvals waiting for a decision, oldest first.

        Only ``workflow``'s and only ``execution_id``'s when given.
        """
        req = approval_service_pb2.ListApprovalsRequest(
            workflow=workflow or "", execution_id=execution_id or ""
        )
        return list((await self._unary(self.approval_service.ListApprovals, req)).approvals)

    async def approve(
        self,
        execution_id: str,
        task_id: str,
        reason: str = "",
        input: Mapping[str, Any] | None = None,
    ) -> approval_service_pb2.DecideResponse:
        """Approve a pending approval: its task succeeds and the run goes on.

        ``input`` (JSON-like values) answers the fields the approval asks
        for. The answer comes once the decision is durable. NotFoundError
        when no such approval is pending, InvalidArgumentError naming the
        field (``input.ticket: required to approve``) when ``input`` does not
        fit, PermissionDeniedError when the caller may not decide it,
        UnavailableError while its execution is being resumed (ask again).
        """
        req = _decide_request(execution_id, task_id, Decision.DECISION_APPROVE, reason, input)
        return await self._unary(self.approval_service.Decide, req)

    async def reject(
        self, execution_id: str, task_id: str, reason: str = ""
    ) -> approval_service_pb2.DecideResponse:
        """Reject a pending approval: its task fails with ``reason``.

        Raises as :meth:`approve` does.
        """
        req = _decide_request(execution_id, task_id, Decision.DECISION_REJECT, reason, None)
        return await self._unary(self.approval_service.Decide, req)


def _definition(spec: workflow_pb2.WorkflowSpec | None, definition: str | None) -> str:
    if (spec is None) == (definition is None):
        raise TypeError("give either spec or definition")
    return definition or ""


def _run_request(
    workflow: str, parameters: Mapping[str, Any] | None, version: int, wait: bool
) -> execution_service_pb2.RunRequest:
    return execution_service_pb2.RunRequest(
        workflow=workflow, version=version, parameters=_struct(parameters), wait=wait
    )


def _decide_request(
    execution_id: str,
    task_id: str,
    decision: approval_service_pb2.Decision.ValueType,
    reason: str,
    input: Mapping[str, Any] | None,
) -> approval_service_pb2.DecideRequest:
    return approval_service_pb2.DecideRequest(
        execution_id=execution_id,
        task_id=task_id,
        decision=decision,
        reason=reason,
        input=_struct(input),
    )


def _struct(values: Mapping[str, Any] | None) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    if values:
        struct.update(values)
    return struct
