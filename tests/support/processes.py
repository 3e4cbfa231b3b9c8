"""Start real server processes on free loopback ports for tests, and stop them cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.paths import ROOT

# Shared test stacks and benchmarks speak for many citizens at once from one loopback address: the budgets of
# anonymous web traffic (api/infra/budgets.py, tested in tests/security/test_web_budgets.py) are off for them.
WEB_BUDGETS_OFF = {
    f"XASO_WEB_{name}": "0"
    for name in (
        "MESSAGES_PER_SENDER_PER_MINUTE", "SESSIONS_PER_ADDRESS_PER_HOUR", "CASES_PER_SESSION_PER_HOUR",
        "CASES_PER_ADDRESS_PER_HOUR", "UPLOADS_PER_SESSION_PER_HOUR", "UPLOADS_PER_ADDRESS_PER_HOUR",
        "STREAMS_PER_SESSION", "STREAMS_PER_ADDRESS",
    )
}  # fmt: skip


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_server(
    name: str,
    command: Sequence[str],
    *,
    url: str,
    ready_path: str,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 180.0,
) -> ServerProcess:
    """Start ``command`` in its own process group and wait until ``url + ready_path`` answers 200."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(command),
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = ServerProcess(name, process, url, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(url + ready_path, timeout=2.0).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{name} did not become ready within {timeout}s:\n{server.log_tail()}")
