"""Conversation ids: written and read in one module (channels/ids.py), and nowhere else in the gateway."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from channels import registry
from channels.ids import ConversationId, InvalidConversationId, format_id

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("channel", "commune", "external", "text"),
    [
        ("web", "xa-demo", "a1B2c3D4e5F6g7H8", "web:xa-demo:a1B2c3D4e5F6g7H8"),
        ("zalo", "xa-demo", "8421973409312", "zalo:xa-demo:8421973409312"),
        ("telegram", "phuong-an-binh", "123456789", "tg:phuong-an-binh:123456789"),
        ("telegram", "xa-demo", "-1001234567890", "tg:xa-demo:-1001234567890"),  # a group chat
    ],
)
def test_format_and_parse_round_trip(channel: str, commune: str, external: str, text: str) -> None:
    formatted = format_id(channel, commune, external)
    assert formatted == text
    parsed = ConversationId.parse(text)
    assert (parsed.channel, parsed.commune, parsed.external) == (channel, commune, external)
    assert str(parsed) == text


@pytest.mark.parametrize(
    "text",
    ["", "web", "web:xa-demo", "web:xa-demo:", "sms:xa-demo:1", ":xa-demo:1", "web::abc12345", "web:xa demo:abc",
     "zalo:xa-demo:has space", "zalo:xa-demo:nul\x00char", "web:xa-demo:" + "x" * 300],
)  # fmt: skip
def test_malformed_ids_are_refused(text: str) -> None:
    with pytest.raises(InvalidConversationId):
        ConversationId.parse(text)
    assert ConversationId.try_parse(text) is None


def test_registry_finds_the_connector_of_a_conversation() -> None:
    registry.register_defaults()
    assert registry.for_conversation("tg:xa-demo:42").name == "telegram"
    assert registry.for_conversation("web:xa-demo:abcdefgh").name == "web"
    with pytest.raises(LookupError):
        registry.for_conversation("fax:xa-demo:1")


def test_the_format_is_parsed_in_exactly_one_module() -> None:
    """No other module of the gateway, the channels or the actions splits a conversation id or spells a prefix."""
    suspicious = re.compile(
        r"""conversation_id[^\n]*\.(?:partition|split|rsplit)\(\s*["']:["']"""
        r"""|sender_id[^\n]*\.(?:partition|split)\(\s*["']:["']"""
        r"""|f["'](?:web|zalo|tg):\{(?!(?:job\.)?conversation_id\})"""  # web:{conversation_id}: a wake-up topic
    )
    offenders = []
    for folder in ("api", "channels", "actions"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "ids.py" and path.parent.name == "channels":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if suspicious.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
