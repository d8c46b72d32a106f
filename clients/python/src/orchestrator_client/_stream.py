"""Server streams with typed items and Orchestrator errors."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Generic, Self, TypeVar, cast

import grpc

from .errors import error_for, from_rpc_error

T = TypeVar("T")


class Stream(Generic[T]):
    """One server-streaming call: ``async for item in stream`` reads it.

    Iteration ends when the server closes the stream; a failed call raises an
    :class:`~orchestrator_client.OrchestratorError`. Use it as an async
    context manager (or call :meth:`cancel`) to leave before the end: the
    call is cancelled on exit, so the server stops sending.
    """

    def __init__(self, call: grpc.aio.UnaryStreamCall[Any, T]) -> None:
        """Wrap a grpc.aio unary-stream call."""
        self._call = call

    def __aiter__(self) -> Self:
        """Return the stream itself: it is its own iterator."""
        return self

    async def __anext__(self) -> T:
        """Return the next message; StopAsyncIteration when the stream closes."""
        try:
            item = await self._call.read()
        except grpc.aio.AioRpcError as err:
            raise from_rpc_error(err) from err
        if item is grpc.aio.EOF:
            await self._raise_if_failed()
            raise StopAsyncIteration
        return cast(T, item)

    async def ready(self) -> None:
        """Wait until the server has accepted the call.

        Once it returns, the server has set the stream up: for
        ``watch_executions`` every change made afterwards will be delivered.
        Raises the call's error if the server refused it (e.g. NOT_FOUND or
        OUT_OF_RANGE).
        """
        try:
            await self._call.initial_metadata()
        except grpc.aio.AioRpcError as err:
            raise from_rpc_error(err) from err
        if self._call.done():
            await self._raise_if_failed()

    def cancel(self) -> None:
        """Cancel the call; a later read raises asyncio.CancelledError."""
        self._call.cancel()

    async def __aenter__(self) -> Self:
        """Return the stream; it is cancelled when the block exits."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Cancel the call if it is still running."""
        self._call.cancel()

    async def _raise_if_failed(self) -> None:
        code = await self._call.code()
        if code != grpc.StatusCode.OK:
            raise error_for(code, await self._call.details())
