"""Workflow definitions: YAML text (the brief's playbook too) and typed specs."""

from pathlib import Path

import pytest
from google.protobuf import struct_pb2

from orchestrator_client import (
    AlreadyExistsError,
    ExecutionState,
    InvalidArgumentError,
    OrchestratorClient,
    TaskSpec,
    TaskState,
    WorkflowSpec,
)
from orchestrator_client.v1 import workflow_pb2

PLAYBOOK = Path(__file__).resolve().parents[3] / "examples" / "auto_threat_response.yaml"


async def test_threat_response_playbook_posts_unchanged(client: OrchestratorClient) -> None:
    text = PLAYBOOK.read_text()
    check = await client.validate_workflow(definition=text)
    assert check.valid, list(check.problems)

    # Other clients of the same server may have stored it first: then a new
    # version goes through UpdateWorkflow, with the same unchanged text.
    try:
        workflow = await client.create_workflow(definition=text)
    except AlreadyExistsError:
        workflow = await client.update_workflow(definition=text)

    spec = workflow.spec
    assert spec.name == "auto_threat_response"
    tasks = {t.id: t for t in spec.tasks}
    assert set(tasks) == {"enrich", "score", "block", "audit"}
    assert tasks["enrich"].WhichOneof("config") == "http"
    assert tasks["enrich"].http.url == "http://threat-intel:8080/v1/enrich"
    assert tasks["enrich"].cacheable
    assert tasks["score"].model.script == "threat_scoring_v2"
    assert tasks["block"].condition == "score.risk > 0.8"
    assert tasks["block"].allow_failure
    assert list(tasks["audit"].depends_on) == ["block"]
    stored = await client.get_workflow("auto_threat_response")
    assert stored.version == workflow.version


async def test_typed_spec_runs_with_wait(client: OrchestratorClient, name: str) -> None:
    body = struct_pb2.Value()
    body.struct_value.update({"greeting": "{{input.who}}"})
    spec = WorkflowSpec(
        name=name,
        tasks=[TaskSpec(id="hello", type="echo", echo=workflow_pb2.EchoConfig(body=body))],
    )
    created = await client.create_workflow(spec)
    assert (created.spec.name, created.version) == (name, 1)

    execution = await client.run(name, {"who": "python"}, wait=True)
    assert execution.status == ExecutionState.EXECUTION_STATE_COMPLETED
    result = execution.task_results["hello"]
    assert result.status == TaskState.TASK_STATE_SUCCEEDED
    assert result.output.struct_value["greeting"] == "python"


async def test_second_create_and_bad_definition_fail(client: OrchestratorClient, name: str) -> None:
    definition = f"name: {name}\ntasks:\n  - {{id: a, type: echo, body: 1}}\n"
    await client.create_workflow(definition=definition)
    with pytest.raises(AlreadyExistsError):
        await client.create_workflow(definition=definition)

    bad = f"name: {name}-bad\ntasks:\n  - {{id: a, type: echo, depends_on: [nowhere]}}\n"
    with pytest.raises(InvalidArgumentError) as info:
        await client.create_workflow(definition=bad)
    assert "nowhere" in info.value.details
    with pytest.raises(TypeError):
        await client.create_workflow()
