"""End-to-end conversations: the real gateway (web channel), the real Rasa server with the trained model, and the
real action server, each its own process on a free loopback port; the gateway's database is a temporary SQLite."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.gateway_fixtures import model_path
from tests.support.stack import STACK_RASA_TOKEN, Stack

MAX_REPLY_CHARS = 600
# A procedure answer ends with its filing line (the online level and the portal link: actions/procedures.py), which
# comes on top of the answer's own length, as in tests/actions/test_procedures.py.
FILING_LINE = "Nộp trực tuyến ("
MAX_FILING_LINE_CHARS = 160


def reply_length(text: str) -> int:
    """The reply's length without a last filing line (which must itself be short)."""
    body, _, last = text.rpartition("\n")
    if body and last.startswith(FILING_LINE):
        assert len(last) < MAX_FILING_LINE_CHARS, last
        return len(body)
    return len(text)


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
            assert reply_length(reply.get("text") or "") < MAX_REPLY_CHARS, reply
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
        params={"token": STACK_RASA_TOKEN},
        json={"sender": sender, "message": text, "metadata": metadata},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    replies: list[dict[str, Any]] = response.json()
    return replies


def model_file() -> Path:
    return model_path()
