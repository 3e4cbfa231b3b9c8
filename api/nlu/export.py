"""``xaso nlu export``: reviewed messages become Rasa training examples in nlu_data/nlu/reviewed.yml.

Only messages an officer confirmed or corrected are written; personal data is replaced by placeholders first
(api/nlu/scrub.py); a message already in the training data is not written twice, a message that contradicts it
(same words, another intent) is held back for an officer to settle, and a message that is in a held-out test set is
never trained on (the gate would stop measuring anything).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

import xaso_text
from api.citizens.models import Citizen, Conversation
from api.nlu import review
from api.nlu.models import NluReview
from api.nlu.scrub import scrub

REVIEWED_FILE = Path("nlu") / "reviewed.yml"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))")


def fold(text: str) -> str:
    """Accent-free, lower-case, single-spaced: the key that finds the same message written twice."""
    plain = xaso_text.fold(text)
    return " ".join(re.findall(r"[\w<>]+", plain))


def plain_text(example: str) -> str:
    return _ANNOTATION.sub(r"\1", example)


def examples_in(path: Path) -> list[tuple[str, str]]:
    """(intent, example as written) from one Rasa YAML training file; other sections are skipped."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for item in data.get("nlu") or [] if isinstance(data, dict) else []:
        if isinstance(item, dict) and item.get("intent") and isinstance(item.get("examples"), str):
            for line in item["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    found.append((str(item["intent"]), line[2:].strip()))
    return found


def annotate(text: str, entities: list[dict[str, Any]]) -> str:
    """Rasa's inline annotation: ``[giấy khai sinh]{"entity": "procedure", "value": "khai_sinh"}``."""
    out, cursor = [], 0
    for entity in sorted(entities, key=lambda e: int(e["start"])):
        start, end = int(entity["start"]), int(entity["end"])
        span = text[start:end]
        if start < cursor or not span or any(c in span for c in "[]{}()"):
            continue
        value = str(entity["value"])
        label = json.dumps({"entity": entity["entity"], "value": value}, ensure_ascii=False)
        out.append(text[cursor:start] + f"[{span}]" + (f"({entity['entity']})" if value == span else label))
        cursor = end
    out.append(text[cursor:])
    return " ".join("".join(out).split())


@dataclass
class ExportResult:
    path: Path
    written: list[tuple[str, str]] = field(default_factory=list)  # (intent, example)
    duplicates: int = 0
    held_out: int = 0
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)  # (text, reviewed intent, existing intent)
    replaced: int = 0  # personal data spans replaced
    dropped_entities: int = 0


def _known_names(session: Session, conversation_id: str) -> list[str]:
    name = session.scalar(
        select(Citizen.display_name)
        .join(Conversation, Conversation.citizen_id == Citizen.id)
        .where(Conversation.conversation_id == conversation_id)
    )
    return [name] if name else []


def _render(by_intent: dict[str, list[str]]) -> str:
    lines = [
        "# Câu thật của người dân, đã được cán bộ duyệt trong hộp thư duyệt NLU và xuất bằng `xaso nlu export`.",
        "# Dữ liệu cá nhân đã được thay bằng <SĐT>, <CCCD>, <EMAIL>, <TÊN>. Sửa hoặc xoá dòng sai tại đây.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {example}" for example in by_intent[intent]]
    return "\n".join(lines) + "\n"


def export_reviewed(session: Session, *, data_dir: Path, now: datetime, commune_id: int | None = None) -> ExportResult:
    """Write the reviewed, not yet exported messages into ``data_dir/nlu/reviewed.yml`` and mark them exported."""
    target = data_dir / REVIEWED_FILE
    result = ExportResult(target)
    known: dict[str, str] = {}
    for path in sorted((data_dir / "nlu").rglob("*.yml")):
        for intent, example in examples_in(path):
            known.setdefault(fold(plain_text(example)), intent)
    held_out = {
        fold(plain_text(example))
        for path in sorted((data_dir / "test").rglob("*.yml"))
        for _intent, example in examples_in(path)
    }
    by_intent: dict[str, list[str]] = defaultdict(list)
    if target.exists():
        for intent, example in examples_in(target):
            by_intent[intent].append(example)
    rows: list[NluReview] = review.reviewed_for_export(session, commune_id=commune_id)
    for row in rows:
        cleaned = scrub(row.text, list(row.reviewed_entities or []), _known_names(session, row.conversation_id))
        result.replaced += cleaned.replaced
        result.dropped_entities += cleaned.dropped
        intent = str(row.reviewed_intent)
        key = fold(cleaned.text)
        if key in held_out:
            result.held_out += 1
        elif key in known and known[key] != intent:
            result.conflicts.append((cleaned.text, intent, known[key]))
            continue  # stays reviewed, not exported: an officer settles which label is right
        elif key in known:
            result.duplicates += 1
        else:
            example = annotate(cleaned.text, cleaned.entities)
            by_intent[intent].append(example)
            known[key] = intent
            result.written.append((intent, example))
        row.exported_at = now
    if result.written:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_render(by_intent), encoding="utf-8")
    return result
