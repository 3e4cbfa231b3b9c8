"""One voice (issue 22): every text a citizen can receive calls them "anh/chị" and the bot "em" — never "bạn".

The texts: the bot's domain responses (bot/domain), the knowledge files the bot answers from (knowledge/), the
string literals of the actions and of every gateway-side module that writes to citizens (case notices, hand-off and
rating messages, subscriptions and announcements, privacy, inbox failures, the channels' connectors, broadcast) and
the web widget. "bạn bè", "bạn đời"... are words, not a form of address.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ADDRESS = re.compile(r"(?<![\wÀ-ỹ])bạn(?![\wÀ-ỹ])(?!\s+(?:bè|đời|trai|gái|học|cùng|thân))", re.IGNORECASE)
PYTHON = [
    "actions/*.py", "api/cases/notify.py", "api/cases/service.py", "api/conversations/*.py", "api/subscriptions/*.py",
    "api/privacy/*.py", "api/inbox/*.py", "api/bulletins/*.py", "channels/**/*.py", "broadcast/**/*.py",
]  # fmt: skip
YAML = ["bot/domain/*.yml", "knowledge/**/*.yml"]
SCRIPTS = ["api/web/static/*.js"]


def python_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def yaml_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in yaml_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in yaml_strings(v)]
    return []


def citizen_texts() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for pattern in PYTHON:
        for path in ROOT.glob(pattern):
            texts[str(path.relative_to(ROOT))] = python_strings(path)
    for pattern in YAML:
        for path in ROOT.glob(pattern):
            texts[str(path.relative_to(ROOT))] = yaml_strings(yaml.safe_load(path.read_text(encoding="utf-8")))
    for pattern in SCRIPTS:
        for path in ROOT.glob(pattern):
            texts[str(path.relative_to(ROOT))] = re.findall(r"\"([^\"\n]*)\"|'([^'\n]*)'", path.read_text("utf-8"))
            texts[str(path.relative_to(ROOT))] = [a or b for a, b in texts[str(path.relative_to(ROOT))]]
    return texts


def test_every_citizen_text_says_anh_chi_not_ban() -> None:
    texts = citizen_texts()
    for expected in ("api/subscriptions/flows.py", "api/conversations/messages.py", "bot/domain/procedures.yml"):
        assert texts.get(expected), expected  # the list covers what citizens receive
    assert sum(len(v) for v in texts.values()) > 1000
    found = [
        f"{source}: {text[:100]!r}" for source, strings in texts.items() for text in strings if ADDRESS.search(text)
    ]
    assert not found, "\n".join(found)


def test_the_check_catches_ban_and_leaves_words_alone() -> None:
    assert ADDRESS.search("Bạn ở ấp nào?") and ADDRESS.search("Mời bạn chọn:") and ADDRESS.search("của bạn.")
    assert not ADDRESS.search("hỏi bạn bè") and not ADDRESS.search("Anh/chị ở ấp nào?")
