"""The README's example (examples/quickstart.py) runs against the server."""

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "quickstart.py"


def test_quickstart_example(target: str) -> None:
    env = {**os.environ, "ORCHESTRATOR_GRPC": target}
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ended EXECUTION_STATE_COMPLETED" in done.stdout
    assert "top said {'x': 'hello'}" in done.stdout
