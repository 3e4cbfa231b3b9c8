"""Attack 1: the action server listened on 0.0.0.0:5055 with no authentication — one POST to ``/webhook`` returned
another citizen's case status and the officer's reply, another filed a case in someone else's name; Rasa's REST
channel answered any conversation without the token, and the Rasa token was visible in ``ps``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.security.servers import RecordingServer
from tests.support.gateway_fixtures import TEST_RASA_TOKEN
from tests.support.paths import ROOT
from tests.support.processes import ServerProcess, free_port, start_server

TOKEN = "actions-token-for-security-tests-0123"


@pytest.fixture(scope="module")
def gateway_seen() -> Iterator[RecordingServer]:
    """Plays the gateway the action server calls: every request an action makes reaches it and is recorded."""
    with RecordingServer("127.0.0.1") as server:
        yield server


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory, gateway_seen: RecordingServer) -> Iterator[ServerProcess]:
    port = free_port()
    server = start_server(
        "actions",
        [str(ROOT / "scripts" / "start-actions.sh")],
        url=f"http://127.0.0.1:{port}",
        ready_path="/health",
        log_dir=tmp_path_factory.mktemp("actions"),
        env={"XASO_ACTIONS_PORT": str(port), "XASO_SERVICE_TOKEN": TOKEN, "XASO_GATEWAY_URL": gateway_seen.url("")},
        timeout=120,
    )
    yield server
    server.stop()


def _call(action: str, sender: str, slots: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {"slots": {}, "responses": {}, "intents": [], "entities": [], "actions": [], "forms": {}},
        "tracker": {
            "sender_id": sender,
            "slots": slots or {},
            "latest_message": {"text": "kiểm tra hồ sơ PA-2026-000001", "intent": {"name": "check_status"}},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                found.add(address)
    return found


def test_the_action_server_listens_on_loopback_only(action_server: ServerProcess) -> None:
    port = int(action_server.url.rsplit(":", 1)[1])
    assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, not 0.0.0.0 or ::


@pytest.mark.parametrize(
    "action,slots",
    [
        ("action_check_status", {"case_code": "PA-2026-000001"}),
        (
            "action_submit_report",
            {"report_category": "giao_thong", "report_description": "ổ gà", "report_confirmed": True},
        ),
    ],
)
def test_an_unauthenticated_action_call_is_refused(
    action_server: ServerProcess, gateway_seen: RecordingServer, action: str, slots: dict[str, Any]
) -> None:
    sender = f"zalo:xa-demo:{uuid.uuid4().int % 10**18:018d}"
    gateway_seen.requests.clear()
    for headers, params in (({}, {}), ({"Authorization": "Bearer wrong"}, {}), ({}, {"token": "wrong"})):
        response = httpx.post(
            f"{action_server.url}/webhook", json=_call(action, sender, slots), headers=headers, params=params
        )
        assert response.status_code == 401, response.text
    assert gateway_seen.requests == []  # the action never ran: no status looked up, no case filed
    # With the token the same call does run and reaches the gateway: the recorder would have seen a refused one.
    allowed = httpx.post(f"{action_server.url}/webhook", json=_call(action, sender, slots), params={"token": TOKEN})
    assert allowed.status_code == 200, allowed.text
    assert gateway_seen.requests, "the action made no gateway call even with the token"
    assert httpx.get(f"{action_server.url}/actions").status_code == 401
    assert httpx.get(f"{action_server.url}/actions", params={"token": TOKEN}).status_code == 200


@pytest.mark.rasa
def test_rasa_answers_nothing_without_its_token(rasa_server: ServerProcess) -> None:
    body = {"sender": f"web-{uuid.uuid4().hex[:12]}", "message": "cho hỏi làm giấy khai sinh"}
    anonymous = httpx.post(f"{rasa_server.url}/webhooks/rest/webhook", json=body, timeout=30)
    assert anonymous.status_code == 401
    tracker = httpx.get(f"{rasa_server.url}/conversations/{body['sender']}/tracker", timeout=30)
    assert tracker.status_code == 401
    with_token = httpx.post(
        f"{rasa_server.url}/webhooks/rest/webhook", json=body, params={"token": TEST_RASA_TOKEN}, timeout=60
    )
    assert with_token.status_code == 200


@pytest.mark.rasa
def test_the_rasa_token_is_not_on_the_command_line(rasa_server: ServerProcess) -> None:
    pids = [rasa_server.process.pid]
    children = Path(f"/proc/{rasa_server.process.pid}/task/{rasa_server.process.pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for pid in pids:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        assert TEST_RASA_TOKEN not in cmdline, cmdline
