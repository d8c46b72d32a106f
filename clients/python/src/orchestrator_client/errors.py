"""Exceptions raised by :class:`~orchestrator_client.OrchestratorClient`.

Every failed call raises an :class:`OrchestratorError`; the gRPC status codes
that callers commonly handle have their own subclass, so
``except NotFoundError`` works without looking at status codes.
"""

from __future__ import annotations

import grpc


class OrchestratorError(Exception):
    """A call to the Orchestrator server failed.

    Attributes:
        code: The gRPC status code the server (or the channel) answered with.
        details: The server's message.

    """

    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        """Wrap a gRPC status ``code`` and its ``details`` message."""
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details

    def __reduce__(self) -> tuple[type[OrchestratorError], tuple[grpc.StatusCode, str]]:
        """Pickle by code and details (the constructor's arguments)."""
        return (type(self), (self.code, self.details))


class NotFoundError(OrchestratorError, LookupError):
    """NOT_FOUND: no such workflow, execution, schedule or trigger."""


class AlreadyExistsError(OrchestratorError):
    """ALREADY_EXISTS: e.g. a workflow of that name is stored already."""


class InvalidArgumentError(OrchestratorError, ValueError):
    """INVALID_ARGUMENT: the request (e.g. a workflow definition) is invalid."""


class FailedPreconditionError(OrchestratorError):
    """FAILED_PRECONDITION: e.g. the workflow is archived, or still running."""


class OutOfRangeError(OrchestratorError):
    """OUT_OF_RANGE: e.g. a WatchExecutions cursor that has expired."""


class UnauthenticatedError(OrchestratorError):
    """UNAUTHENTICATED: no token, or an invalid one."""


class PermissionDeniedError(OrchestratorError):
    """PERMISSION_DENIED: the token's role does not allow the call."""


class ResourceExhaustedError(OrchestratorError):
    """RESOURCE_EXHAUSTED: e.g. too many runs are queued; try again later."""


class UnavailableError(OrchestratorError):
    """UNAVAILABLE: the server cannot be reached, or is shutting down."""


class DeadlineExceededError(OrchestratorError, TimeoutError):
    """DEADLINE_EXCEEDED: the call's timeout passed before it finished."""


_BY_CODE: dict[grpc.StatusCode, type[OrchestratorError]] = {
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.OUT_OF_RANGE: OutOfRangeError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
}


def error_for(code: grpc.StatusCode, details: str) -> OrchestratorError:
    """Return the exception for a gRPC status: its subclass, or the base class."""
    return _BY_CODE.get(code, OrchestratorError)(code, details)


def from_rpc_error(err: grpc.aio.AioRpcError) -> OrchestratorError:
    """Translate a grpc.aio error into the matching :class:`OrchestratorError`."""
    return error_for(err.code(), err.details() or "")
