"""Run, Watch, Cancel, GetExecution and WatchExecutions against the live server."""

import asyncio

import grpc
import pytest

from orchestrator_client import (
    ChangeKind,
    ExecutionEvent,
    ExecutionState,
    NotFoundError,
    OrchestratorClient,
    OrchestratorError,
    TaskState,
)

DIAMOND = """
tasks:
  - {id: top, type: echo, body: {x: "{{input.x}}"}}
  - {id: left, type: echo, body: {step: left}, depends_on: [top]}
  - {id: right, type: echo, body: {step: right}, depends_on: [top]}
  - {id: bottom, type: echo, body: {step: bottom}, depends_on: [left, right]}
"""


async def test_run_and_watch_to_the_end(client: OrchestratorClient, name: str) -> None:
    await client.create_workflow(definition=f"name: {name}\n{DIAMOND}")
    execution = await client.run(name, parameters={"x": "hello"}, wait=False)
    assert execution.id.startswith(name)

    events: list[ExecutionEvent] = []
    async with asyncio.timeout(20):
        async for event in client.watch(execution.id):
            events.append(event)

    kinds = [e.WhichOneof("kind") for e in events]
    assert kinds[0] == "execution_started"
    assert kinds[-1] == "execution_ended"
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(e.execution_id == execution.id for e in events)
    ended = {
        e.task_ended.result.task_id: e.task_ended.result for e in events if e.HasField("task_ended")
    }
    assert set(ended) == {"top", "left", "right", "bottom"}
    assert all(r.status == TaskState.TASK_STATE_SUCCEEDED for r in ended.values())
    assert events[-1].execution_ended.status == ExecutionState.EXECUTION_STATE_COMPLETED

    final = await client.get_execution(execution.id)
    assert final.status == ExecutionState.EXECUTION_STATE_COMPLETED
    assert final.task_results["top"].output.struct_value["x"] == "hello"
    assert final.task_results["bottom"].output.struct_value["step"] == "bottom"

    # An ended execution replays its history, from any sequence number.
    replay = [e.seq async for e in client.watch(execution.id, from_seq=3)]
    assert replay == list(range(3, len(events) + 1))


async def test_cancel_records_the_reason(client: OrchestratorClient, name: str) -> None:
    await client.create_workflow(
        definition=f"name: {name}\ntasks:\n  - {{id: nap, type: sleep, duration: 30s}}\n"
    )
    execution = await client.run(name)
    reason = f"cancelled by the python client test {name}"
    async with asyncio.timeout(20), client.watch(execution.id) as events:
        async for event in events:
            if event.HasField("task_started"):
                await client.cancel(execution.id, reason)
            if event.HasField("execution_ended"):
                assert event.execution_ended.status == ExecutionState.EXECUTION_STATE_CANCELLED
                break
        else:
            pytest.fail("the stream closed before execution_ended")

    # The end is stored before Watch reports it: no wait is needed.
    final = await client.get_execution(execution.id)
    assert final.status == ExecutionState.EXECUTION_STATE_CANCELLED
    assert reason in final.error
    assert final.task_results["nap"].status == TaskState.TASK_STATE_CANCELLED


async def test_unknown_ids_raise_not_found(client: OrchestratorClient, name: str) -> None:
    with pytest.raises(NotFoundError) as info:
        await client.get_execution(f"{name}-0000")
    err = info.value
    assert isinstance(err, OrchestratorError)
    assert isinstance(err, LookupError)
    assert err.code == grpc.StatusCode.NOT_FOUND

    with pytest.raises(NotFoundError):
        async for _ in client.watch(f"{name}-0000"):
            pass
    with pytest.raises(NotFoundError):
        await client.run(f"{name}-no-such-workflow")


async def test_watch_executions_follows_and_resumes(client: OrchestratorClient, name: str) -> None:
    await client.create_workflow(definition=f"name: {name}\n{DIAMOND}")
    changes = []
    async with asyncio.timeout(20), client.watch_executions([name]) as feed:
        await feed.ready()
        execution = await client.run(name, {"x": "feed"})
        async for change in feed:
            changes.append(change)
            if change.kind == ChangeKind.CHANGE_KIND_EXECUTION_ENDED:
                break

    assert changes[0].kind == ChangeKind.CHANGE_KIND_EXECUTION_STARTED
    assert changes[-1].state == ExecutionState.EXECUTION_STATE_COMPLETED
    assert {c.execution_id for c in changes} == {execution.id}
    assert {c.workflow for c in changes} == {name}
    task_ends = {c.task_id for c in changes if c.kind == ChangeKind.CHANGE_KIND_TASK_ENDED}
    assert task_ends == {"top", "left", "right", "bottom"}
    cursors = [c.cursor for c in changes]
    assert all(cursors)
    assert len(set(cursors)) == len(cursors)

    # Resuming after the first cursor gives the rest, none twice.
    async with asyncio.timeout(20), client.watch_executions([name], after=cursors[0]) as feed:
        resumed = [await anext(feed) for _ in cursors[1:]]
    assert [c.cursor for c in resumed] == cursors[1:]
