"""Fixtures for the action tests (run in .venv-rasa): a REAL gateway process and a tracker factory.

The gateway runs from .venv (uvicorn, its own interpreter) on a free loopback port with a temporary SQLite database,
seeded by ``xaso db seed``; actions reach it over HTTP exactly as in production.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import gateway as gateway_module

ROOT = Path(__file__).resolve().parents[2]
SERVICE_TOKEN = "test-service-token"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen, log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gateway exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gateway not ready after {timeout}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def gateway_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("gateway")
    port = free_port()
    env = {
        **os.environ,
        "XASO_DATABASE_URL": f"sqlite:///{work / 'xaso.db'}",
        "XASO_DATA_DIR": str(work / "data"),
        "XASO_SERVICE_TOKEN": SERVICE_TOKEN,
        "XASO_RUN_BACKGROUND_JOBS": "false",
        "XASO_RASA_URL": "http://127.0.0.1:9",
        "PYTHONPATH": str(ROOT),
    }
    seed = subprocess.run(
        [str(ROOT / ".venv/bin/xaso"), "db", "seed"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    match = re.search(r"\badmin / (\S+)", seed.stdout)
    assert match, seed.stdout
    os.environ["XASO_TEST_ADMIN_PASSWORD"] = match.group(1)  # the seed prints the first admin's password once
    log = work / "gateway.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(ROOT / ".venv/bin/uvicorn"), "api.main:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--no-access-log"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(f"{url}/api/v1/communes/xa-demo", process, log)
        os.environ["XASO_GATEWAY_URL"] = url
        os.environ["XASO_SERVICE_TOKEN"] = SERVICE_TOKEN
        gateway_module.reset_gateway()
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        gateway_module.reset_gateway()


@pytest.fixture(autouse=True)
async def close_gateway_sessions() -> Any:
    yield
    if gateway_module._gateway is not None:
        await gateway_module._gateway.aclose()


@pytest.fixture
async def dead_gateway() -> Any:
    """Point the actions at a port where nothing listens."""
    previous = os.environ.get("XASO_GATEWAY_URL")
    os.environ["XASO_GATEWAY_URL"] = f"http://127.0.0.1:{free_port()}"
    gateway_module.reset_gateway()
    yield
    await gateway_module.gateway().aclose()
    if previous is None:
        os.environ.pop("XASO_GATEWAY_URL", None)
    else:
        os.environ["XASO_GATEWAY_URL"] = previous
    gateway_module.reset_gateway()


def api(gateway_url: str, path: str) -> Any:
    """GET on the gateway's internal API with the service token; returns (status, body)."""
    request = urllib.request.Request(gateway_url + path, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def staff_reply(gateway_url: str, code: str, text: str) -> None:
    """Log in as the seeded admin and post a public reply on the case, as an officer would in the console."""

    def post(path: str, body: dict[str, Any], token: str | None = None) -> Any:
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        request = urllib.request.Request(gateway_url + path, json.dumps(body).encode(), headers, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    password = os.environ["XASO_TEST_ADMIN_PASSWORD"]
    issued = post("/api/v1/auth/login", {"login": "admin", "password": password})
    token = issued["access_token"]
    if issued["staff"].get("must_change_password"):  # the seeded password is one-time, as in the console
        new = "mua-dong ven-song con-meo 42"
        post("/api/v1/auth/password", {"current_password": password, "new_password": new}, token)
        os.environ["XASO_TEST_ADMIN_PASSWORD"] = new
    post(f"/api/v1/cases/{code}/replies", {"text": text}, token)


def new_sender(commune: str = "xa-demo") -> str:
    return f"web:{commune}:{uuid.uuid4().hex[:12]}"


def make_tracker(
    text: str = "",
    intent: str = "nlu_fallback",
    *,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    sender: str | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    """A tracker whose latest message is ``text`` with ``intent`` and ``entities`` ([{entity, value}])."""
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [{"start": 0, "end": 0, **e} for e in entities or []],
        "metadata": {"commune": "xa-demo", "channel": "web", **(metadata or {})},
    }
    history = [*(events or []), {"event": "user", "text": text, "parse_data": message}]
    return Tracker(
        sender_id=sender or new_sender(),
        slots=dict(slots or {}),
        latest_message=message,
        events=history,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("text") or "" for m in dispatcher.messages]


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
