"""Typed asyncio client of the Orchestrator workflow engine's gRPC API.

Start with :class:`OrchestratorClient`. The protobuf messages and generated
stubs of every service are in :mod:`orchestrator_client.v1`; the ones used
most are re-exported here.
"""

from ._client import OrchestratorClient
from ._stream import Stream
from .errors import (
    AlreadyExistsError,
    DeadlineExceededError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    OrchestratorError,
    OutOfRangeError,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
)
from .v1.approval_service_pb2 import Approval, DecideResponse, Decision
from .v1.execution_pb2 import (
    Execution,
    ExecutionEvent,
    ExecutionState,
    TaskResult,
    TaskState,
)
from .v1.execution_service_pb2 import ChangeKind, ExecutionChange
from .v1.workflow_pb2 import TaskSpec, Workflow, WorkflowSpec

__all__ = [
    "AlreadyExistsError",
    "Approval",
    "ChangeKind",
    "DeadlineExceededError",
    "DecideResponse",
    "Decision",
    "Execution",
    "ExecutionChange",
    "ExecutionEvent",
    "ExecutionState",
    "FailedPreconditionError",
    "InvalidArgumentError",
    "NotFoundError",
    "OrchestratorClient",
    "OrchestratorError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "Stream",
    "TaskResult",
    "TaskSpec",
    "TaskState",
    "UnauthenticatedError",
    "UnavailableError",
    "Workflow",
    "WorkflowSpec",
]
