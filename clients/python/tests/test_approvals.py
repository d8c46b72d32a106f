"""ListApprovals and Decide (approve, reject) against the live server."""

import asyncio

import grpc
import pytest
from google.protobuf import json_format

from orchestrator_client import (
    Approval,
    Decision,
    ExecutionState,
    InvalidArgumentError,
    NotFoundError,
    OrchestratorClient,
    TaskState,
)

GATE = """
tasks:
  - {id: ask, type: approval, message: 'Block it?', input: {ticket: {type: string, required: true}}}
  - {id: after, type: echo, depends_on: [ask]}
"""


async def pending(client: OrchestratorClient, execution_id: str) -> Approval:
    """Poll ListApprovals (for at most 20 s) until the execution's approval is listed."""
    async with asyncio.timeout(20):
        while True:
            approvals = await client.list_approvals(execution_id=execution_id)
            if approvals:
                assert len(approvals) == 1
                return approvals[0]
            await asyncio.sleep(0.05)


async def test_approve_with_input_completes_the_run(client: OrchestratorClient, name: str) -> None:
    await client.create_workflow(definition=f"name: {name}\n{GATE}")
    execution = await client.run(name)

    approval = await pending(client, execution.id)
    assert (approval.execution_id, approval.workflow, approval.task_id) == (
        execution.id,
        name,
        "ask",
    )
    assert approval.message == "Block it?"
    assert [(f.name, f.type, f.required) for f in approval.input] == [("ticket", "string", True)]
    assert approval.requested_at.seconds > 0
    assert not approval.HasField("deadline")
    by_workflow = await client.list_approvals(workflow=name)
    assert [a.execution_id for a in by_workflow] == [execution.id]
    assert execution.id in {a.execution_id for a in await client.list_approvals()}
    waiting = await client.get_execution(execution.id)
    assert waiting.status == ExecutionState.EXECUTION_STATE_WAITING

    reason = f"approved by the python client test {name}"
    decided = await client.approve(execution.id, "ask", reason, input={"ticket": "CHG-1234"})
    assert (decided.execution_id, decided.task_id) == (execution.id, "ask")
    assert decided.decision == Decision.DECISION_APPROVE
    assert decided.reason == reason
    assert decided.decided_by
    assert decided.input["ticket"] == "CHG-1234"

    async with asyncio.timeout(20):
        final = await client.wait_for(execution.id)
    assert final.status == ExecutionState.EXECUTION_STATE_COMPLETED
    ask = final.task_results["ask"]
    assert ask.status == TaskState.TASK_STATE_SUCCEEDED
    output = json_format.MessageToDict(ask.output)
    assert output["decision"] == "approve"
    assert output["input"] == {"ticket": "CHG-1234"}
    assert output["reason"] == reason
    assert final.task_results["after"].status == TaskState.TASK_STATE_SUCCEEDED
    assert await client.list_approvals(execution_id=execution.id) == []


async def test_reject_fails_the_run(client: OrchestratorClient, name: str) -> None:
    await client.create_workflow(definition=f"name: {name}\n{GATE}")
    execution = await client.run(name)
    await pending(client, execution.id)

    reason = f"rejected by the python client test {name}"
    decided = await client.reject(execution.id, "ask", reason)
    assert decided.decision == Decision.DECISION_REJECT
    assert decided.reason == reason

    async with asyncio.timeout(20):
        final = await client.wait_for(execution.id)
    assert final.status == ExecutionState.EXECUTION_STATE_FAILED
    assert reason in final.error
    ask = final.task_results["ask"]
    assert ask.status == TaskState.TASK_STATE_FAILED
    assert ask.error == f"rejected by {decided.decided_by}: {reason}"
    assert final.task_results["after"].status == TaskState.TASK_STATE_CANCELLED
    assert await client.list_approvals(execution_id=execution.id) == []


async def test_approve_without_required_input_is_invalid(
    client: OrchestratorClient, name: str
) -> None:
    await client.create_workflow(definition=f"name: {name}\n{GATE}")
    execution = await client.run(name)
    await pending(client, execution.id)

    with pytest.raises(InvalidArgumentError) as info:
        await client.approve(execution.id, "ask", "no ticket")
    assert info.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "input.ticket" in info.value.details
    with pytest.raises(InvalidArgumentError, match="ticket"):
        await client.approve(execution.id, "ask", "wrong type", input={"ticket": 7})

    # A refusal changes nothing: it still waits, and is decided normally.
    assert (await pending(client, execution.id)).task_id == "ask"
    await client.reject(execution.id, "ask", "cleaning up")
    async with asyncio.timeout(20):
        final = await client.wait_for(execution.id)
    assert final.status == ExecutionState.EXECUTION_STATE_FAILED


async def test_deciding_what_is_not_pending_is_not_found(
    client: OrchestratorClient, name: str
) -> None:
    await client.create_workflow(definition=f"name: {name}\n{GATE}")
    execution = await client.run(name)
    await pending(client, execution.id)
    await client.approve(execution.id, "ask", "once", input={"ticket": "CHG-1"})

    # Decided already: neither a second approval nor a rejection finds it.
    with pytest.raises(NotFoundError) as info:
        await client.approve(execution.id, "ask", "twice", input={"ticket": "CHG-2"})
    assert info.value.code == grpc.StatusCode.NOT_FOUND
    with pytest.raises(NotFoundError):
        await client.reject(execution.id, "ask", "too late")
    with pytest.raises(NotFoundError):
        await client.reject(f"{name}-0000", "ask", "never ran")
    async with asyncio.timeout(20):
        final = await client.wait_for(execution.id)
    assert final.status == ExecutionState.EXECUTION_STATE_COMPLETED
    # A task that is no approval of the run is not pending either.
    with pytest.raises(NotFoundError):
        await client.approve(execution.id, "after", "not an approval")
