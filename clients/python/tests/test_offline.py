"""Token metadata and status mapping, against an in-process stand-in server."""

import asyncio
import pickle
from collections.abc import AsyncIterator

import grpc
import pytest

from orchestrator_client import (
    DeadlineExceededError,
    DecideResponse,
    Decision,
    Execution,
    NotFoundError,
    OrchestratorClient,
    OrchestratorError,
    OutOfRangeError,
    PermissionDeniedError,
)
from orchestrator_client.errors import error_for
from orchestrator_client.v1.approval_service_pb2 import DecideRequest
from orchestrator_client.v1.execution_service_pb2 import (
    ExecutionChange,
    GetExecutionRequest,
    WatchExecutionsRequest,
)


async def get_execution(
    request: GetExecutionRequest,
    context: grpc.aio.ServicerContext[GetExecutionRequest, Execution],
) -> Execution:
    """Answer with the caller's authorization metadata as the execution id."""
    if request.execution_id == "missing":
        await context.abort(grpc.StatusCode.NOT_FOUND, "no execution missing")
    if request.execution_id == "forbidden":
        await context.abort(grpc.StatusCode.PERMISSION_DENIED, "role viewer")
    metadata = dict(context.invocation_metadata() or ())
    return Execution(id=str(metadata.get("authorization", "")))


async def watch_executions(
    request: WatchExecutionsRequest,
    context: grpc.aio.ServicerContext[WatchExecutionsRequest, ExecutionChange],
) -> AsyncIterator[ExecutionChange]:
    """Refuse the cursor "expired"; else send two changes after it, then close."""
    if request.after == "expired":
        await context.abort(grpc.StatusCode.OUT_OF_RANGE, "cursor expired")
    start = int(request.after or "0")
    for n in (start + 1, start + 2):
        yield ExecutionChange(cursor=str(n), workflow=",".join(request.workflows))


async def decide(
    request: DecideRequest,
    context: grpc.aio.ServicerContext[DecideRequest, DecideResponse],
) -> DecideResponse:
    """Echo the decision, decided by the caller's authorization metadata.

    The task "slow" answers only after 5 s; "gone" is not pending.
    """
    if request.task_id == "slow":
        await asyncio.sleep(5)
    if request.task_id == "gone":
        await context.abort(grpc.StatusCode.NOT_FOUND, "no approval is pending")
    metadata = dict(context.invocation_metadata() or ())
    return DecideResponse(
        execution_id=request.execution_id,
        task_id=request.task_id,
        decision=request.decision,
        decided_by=str(metadata.get("authorization", "")),
        reason=request.reason,
        input=request.input,
    )


@pytest.fixture
async def standin() -> AsyncIterator[str]:
    server = grpc.aio.server()
    handler = grpc.unary_unary_rpc_method_handler(
        get_execution,
        request_deserializer=GetExecutionRequest.FromString,
        response_serializer=Execution.SerializeToString,
    )
    feed = grpc.unary_stream_rpc_method_handler(
        watch_executions,
        request_deserializer=WatchExecutionsRequest.FromString,
        response_serializer=ExecutionChange.SerializeToString,
    )
    service = grpc.method_handlers_generic_handler(
        "orchestrator.v1.ExecutionService", {"GetExecution": handler, "WatchExecutions": feed}
    )
    approvals = grpc.method_handlers_generic_handler(
        "orchestrator.v1.ApprovalService",
        {
            "Decide": grpc.unary_unary_rpc_method_handler(
                decide,
                request_deserializer=DecideRequest.FromString,
                response_serializer=DecideResponse.SerializeToString,
            )
        },
    )
    server.add_generic_rpc_handlers([service, approvals])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield f"127.0.0.1:{port}"
    await server.stop(None)


async def test_token_is_sent_as_bearer_metadata(standin: str) -> None:
    async with OrchestratorClient(standin, token="s3cret") as client:
        assert (await client.get_execution("x")).id == "Bearer s3cret"
    async with OrchestratorClient(standin) as client:
        assert (await client.get_execution("x")).id == ""


async def test_status_codes_become_typed_errors(standin: str) -> None:
    async with OrchestratorClient(standin) as client:
        with pytest.raises(NotFoundError, match="no execution missing"):
            await client.get_execution("missing")
        with pytest.raises(PermissionDeniedError) as info:
            await client.get_execution("forbidden")
        assert info.value.details == "role viewer"


async def test_streams_end_and_fail_typed(standin: str) -> None:
    async with OrchestratorClient(standin, token="t") as client:
        changes = [c async for c in client.watch_executions(["a", "b"], after="5")]
        assert [(c.cursor, c.workflow) for c in changes] == [("6", "a,b"), ("7", "a,b")]

        expired = client.watch_executions(after="expired")
        with pytest.raises(OutOfRangeError, match="cursor expired"):
            await expired.ready()
        with pytest.raises(OutOfRangeError):
            await anext(expired)


async def test_decisions_carry_token_timeout_and_typed_errors(standin: str) -> None:
    async with OrchestratorClient(standin, token="s3cret", timeout=0.5) as client:
        approved = await client.approve("e1", "ask", "ok", input={"ticket": "CHG-1", "hours": 4})
        assert (approved.execution_id, approved.task_id, approved.reason) == ("e1", "ask", "ok")
        assert approved.decision == Decision.DECISION_APPROVE
        assert approved.decided_by == "Bearer s3cret"
        assert dict(approved.input) == {"ticket": "CHG-1", "hours": 4.0}
        rejected = await client.reject("e1", "ask", "no")
        assert rejected.decision == Decision.DECISION_REJECT
        assert not rejected.input.fields
        with pytest.raises(NotFoundError, match="no approval is pending"):
            await client.reject("e1", "gone", "late")
        with pytest.raises(DeadlineExceededError):
            await client.approve("e1", "slow", "too slow")


def test_error_hierarchy() -> None:
    err = error_for(grpc.StatusCode.DEADLINE_EXCEEDED, "slow")
    assert isinstance(err, DeadlineExceededError)
    assert isinstance(err, TimeoutError)
    assert str(err) == "DEADLINE_EXCEEDED: slow"
    other = error_for(grpc.StatusCode.INTERNAL, "boom")
    assert type(other) is OrchestratorError
    copy = pickle.loads(pickle.dumps(err))
    assert (type(copy), copy.code, copy.details) == (DeadlineExceededError, err.code, "slow")
