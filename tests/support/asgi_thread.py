"""Run an ASGI app under uvicorn on a free loopback port in a background thread (for fake platform servers)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn

from tests.support.processes import free_port

SHUTDOWN_GRACE_SECONDS = 1  # shorter than production's 5 s: a test has no turn in flight when it stops its server


@contextmanager
def serve(app: Any, *, lifespan: Literal["auto", "on", "off"] = "off", port: int | None = None) -> Iterator[str]:
    """``SHUTDOWN_GRACE_SECONDS`` plays the part of ``--timeout-graceful-shutdown`` in scripts/start-gateway.sh: a
    test's open event stream (a web citizen) is cut when the server stops, as it is in production."""
    port = port or free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan, access_log=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("fake server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
