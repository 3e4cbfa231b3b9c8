"""The gateway as a real uvicorn process over the test database, with its background workers running."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.support.gateway_fixtures import TEST_RASA_TOKEN, TEST_SERVICE_TOKEN
from tests.support.paths import ROOT
from tests.support.processes import ServerProcess, free_port, start_server


def start_gateway(database_url: str, rasa_url: str, log_dir: Path, *, port: int | None = None) -> ServerProcess:
    port = port or free_port()
    return start_server(
        "gateway",
        [str(ROOT / "scripts" / "start-gateway.sh")],
        url=f"http://127.0.0.1:{port}",
        ready_path="/api/v1/communes/xa-demo",
        log_dir=log_dir,
        env={
            "XASO_DATABASE_URL": database_url,
            "XASO_RASA_URL": rasa_url,
            "XASO_RASA_TOKEN": TEST_RASA_TOKEN,
            "XASO_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
            "XASO_DEFAULT_COMMUNE": "xa-demo",
            "XASO_RUN_BACKGROUND_JOBS": "true",
            "XASO_GATEWAY_PORT": str(port),
        },
        timeout=60,
    )


def kill_hard(server: ServerProcess) -> None:
    """SIGKILL: no shutdown hooks, no draining — the worst case for the inbox and the outbox."""
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()
