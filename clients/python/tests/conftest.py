"""Fixtures: a client of the live server at $ORCHESTRATOR_GRPC, unique names."""

import os
import secrets
from collections.abc import AsyncIterator

import pytest

from orchestrator_client import OrchestratorClient


@pytest.fixture
def target() -> str:
    address = os.environ.get("ORCHESTRATOR_GRPC")
    if not address:
        pytest.fail("ORCHESTRATOR_GRPC (host:port of a running server) is not set")
    return address


@pytest.fixture
async def client(target: str) -> AsyncIterator[OrchestratorClient]:
    async with OrchestratorClient(target, timeout=30) as c:
        yield c


@pytest.fixture
def name() -> str:
    """A workflow name no other test or client run uses."""
    return f"py-{secrets.token_hex(5)}"
