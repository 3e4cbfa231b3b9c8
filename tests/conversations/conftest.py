"""End-to-end conversations: the real gateway (web channel), the real Rasa server with the trained model, and the
real action server, each its own process on a free loopback port; the gateway's database is a temporary SQLite."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.gateway_fixtures import model_path
from tests.support.paths import RASA_BIN, ROOT
from tests.support.processes import ServerProcess, free_port, start_server

SERVICE_TOKEN = "conv-service-token"
RASA_TOKEN = "conv-rasa-token"
MAX_REPLY_CHARS = 600


@dataclass
class Stack:
    gateway: str
    rasa: str
    processes: list[ServerProcess] = field(default_factory=list)

    def internal(self, path: str) -> httpx.Response:
        return httpx.get(self.gateway + path, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}, timeout=10)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not model_path().exists() or not RASA_BIN.exists():
        pytest.fail(f"No trained model at {model_path()}: run `make train` (make test does it first).")
    work = tmp_path_factory.mktemp("conversations")
    gateway_port, actions_port, rasa_port = free_port(), free_port(), free_port()
    gateway_env = {
        "XASO_DATABASE_URL": f"sqlite:///{work / 'xaso.db'}",
        "XASO_DATA_DIR": str(work / "data"),
        "XASO_SERVICE_TOKEN": SERVICE_TOKEN,
        "XASO_RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "XASO_RASA_TOKEN": RASA_TOKEN,
        "XASO_ACTIONS_URL": f"http://127.0.0.1:{actions_port}",
        "XASO_RUN_BACKGROUND_JOBS": "false",
        "XASO_GATEWAY_PORT": str(gateway_port),
    }
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "xaso"), "db", "seed"], cwd=ROOT, env={**_base_env(), **gateway_env},
        check=True, capture_output=True,
    )  # fmt: skip
    # bot/endpoints.yml quotes its ${VARS}, and Rasa only expands unquoted scalars: use the same file, unquoted.
    endpoints = work / "endpoints.yml"
    source = (ROOT / "bot" / "endpoints.yml").read_text(encoding="utf-8")
    endpoints.write_text(source.replace('"', ""), encoding="utf-8")
    processes: list[ServerProcess] = []
    try:
        processes.append(
            start_server(
                "gateway", [str(ROOT / "scripts" / "start-gateway.sh")], url=f"http://127.0.0.1:{gateway_port}",
                ready_path="/api/v1/communes/xa-demo", log_dir=work, env=gateway_env,
            )
        )  # fmt: skip
        processes.append(
            start_server(
                "actions", [str(ROOT / "scripts" / "start-actions.sh")], url=f"http://127.0.0.1:{actions_port}",
                ready_path="/health", log_dir=work,
                env={"XASO_ACTIONS_PORT": str(actions_port), "XASO_GATEWAY_URL": f"http://127.0.0.1:{gateway_port}",
                     "XASO_SERVICE_TOKEN": SERVICE_TOKEN},
            )
        )  # fmt: skip
        processes.append(
            start_server(
                "rasa", [str(ROOT / "scripts" / "start-rasa.sh")], url=f"http://127.0.0.1:{rasa_port}",
                ready_path=f"/status?token={RASA_TOKEN}", log_dir=work,
                env={"XASO_RASA_MODEL": str(model_path()), "XASO_TRACKER_DB": str(work / "tracker.db"),
                     "XASO_RASA_TOKEN": RASA_TOKEN, "XASO_RASA_PORT": str(rasa_port),
                     "XASO_ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
                     "XASO_RASA_ENDPOINTS": str(endpoints)},
            )
        )  # fmt: skip
        yield Stack(f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{rasa_port}", processes)
    finally:
        for process in reversed(processes):
            process.stop()


def _base_env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(ROOT)}


class Citizen:
    """One citizen chatting on the commune website (POST /webhooks/web, Rasa's REST shape)."""

    def __init__(self, stack: Stack, commune: str = "xa-demo") -> None:
        self.stack = stack
        self.commune = commune
        self.sender = uuid.uuid4().hex[:16]
        self.transcript: list[tuple[str, list[dict[str, Any]]]] = []

    @property
    def conversation_id(self) -> str:
        return f"web:{self.commune}:{self.sender}"

    def say(self, text: str) -> list[dict[str, Any]]:
        body = {"sender": self.sender, "message": text, "metadata": {"commune": self.commune}}
        response = httpx.post(f"{self.stack.gateway}/webhooks/web", json=body, timeout=30)
        assert response.status_code == 200, response.text
        replies: list[dict[str, Any]] = response.json()
        for reply in replies:
            assert reply["recipient_id"] == self.sender
            assert len(reply.get("text") or "") < MAX_REPLY_CHARS, reply
        self.transcript.append((text, replies))
        return replies

    def says(self, text: str) -> str:
        """The bot's replies to ``text`` joined into one string (for assertions)."""
        return "\n".join(r.get("text") or "" for r in self.say(text))

    def last_question(self) -> str:
        replies = self.transcript[-1][1]
        return (replies[-1].get("text") or "") if replies else ""

    def dump(self) -> str:
        return "\n".join(
            f"> {text}\n" + "\n".join(f"< {r.get('text')}" for r in replies) for text, replies in self.transcript
        )


@pytest.fixture
def citizen(stack: Stack) -> Citizen:
    return Citizen(stack)


def rasa_rest(stack: Stack, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """A turn straight through Rasa's REST channel, for channel metadata the web widget does not send."""
    response = httpx.post(
        f"{stack.rasa}/webhooks/rest/webhook",
        params={"token": RASA_TOKEN},
        json={"sender": sender, "message": text, "metadata": metadata},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    replies: list[dict[str, Any]] = response.json()
    return replies


def model_file() -> Path:
    return model_path()
