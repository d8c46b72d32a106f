"""Define a workflow, run it and follow its progress over Watch.

    ORCHESTRATOR_GRPC=127.0.0.1:50051 python examples/quickstart.py

Set ORCHESTRATOR_TOKEN when the server requires a bearer token. Exits 0 when
the execution completed.
"""

import asyncio
import os
import secrets
import sys

from google.protobuf import json_format

from orchestrator_client import ExecutionState, OrchestratorClient, TaskState

# A diamond of echo tasks; `top` echoes the run's parameter x.
TASKS = """
tasks:
  - {id: top, type: echo, body: {x: "{{input.x}}"}}
  - {id: left, type: echo, body: {step: left}, depends_on: [top]}
  - {id: right, type: echo, body: {step: right}, depends_on: [top]}
  - {id: bottom, type: echo, body: {step: bottom}, depends_on: [left, right]}
"""


async def main(target: str) -> bool:
    """Create a uniquely named workflow, run it, print its events; True if it completed."""
    name = f"quickstart-{secrets.token_hex(4)}"
    async with OrchestratorClient(target, token=os.environ.get("ORCHESTRATOR_TOKEN")) as client:
        workflow = await client.create_workflow(definition=f"name: {name}\n{TASKS}")
        print(f"created {workflow.spec.name} v{workflow.version}")

        execution = await client.run(name, parameters={"x": "hello"})
        print(f"running {execution.id}")
        async for event in client.watch(execution.id):
            match event.WhichOneof("kind"):
                case "task_started":
                    print(f"  {event.seq}: {event.task_started.task_id} started")
                case "task_ended":
                    result = event.task_ended.result
                    state = TaskState.Name(result.status)
                    print(f"  {event.seq}: {result.task_id} {state}")
                case "execution_ended":
                    ended = event.execution_ended
                    print(f"  {event.seq}: ended {ExecutionState.Name(ended.status)}")

        final = await client.get_execution(execution.id)
        top = json_format.MessageToDict(final.task_results["top"].output)
        print(f"{ExecutionState.Name(final.status)}; top said {top}")
        return final.status == ExecutionState.EXECUTION_STATE_COMPLETED


if __name__ == "__main__":
    ok = asyncio.run(main(os.environ.get("ORCHESTRATOR_GRPC", "127.0.0.1:50051")))
    sys.exit(0 if ok else 1)
