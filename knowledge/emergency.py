"""The one loader of knowledge/health/cap_cuu.yml, shared by the gateway (api/safety/, .venv) and the action server
(actions/health.py, .venv-rasa, Python 3.10): plain Python and PyYAML only.

One text per situation, never stitched: the citizen gets exactly the text of the situation the message describes,
which starts with the number to call, followed by the guideline it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

KNOWLEDGE_DIR = Path(__file__).resolve().parent
GENERIC = "chung"  # the situation when the message is an emergency but says too little to tell which
MAX_TEXT = 520  # one message on every channel, with the source line
NOTICES = ("station_filed", "station_noted", "station_unreachable", "check", "if_happening")


class EmergencyKnowledgeError(ValueError):
    """cap_cuu.yml is malformed; the message names the situation and the field."""


@dataclass(frozen=True)
class Situation:
    id: str
    title: str
    text: str
    source: str

    def message(self) -> str:
        """What the citizen reads: the steps, then where they come from."""
        return f"🚨 {self.text}\n(Nguồn: {self.source})"


@dataclass(frozen=True)
class EmergencyGuide:
    phone: str
    call_button: str
    situations: Mapping[str, Situation]
    notices: Mapping[str, str]

    def situation(self, situation_id: str | None) -> Situation:
        return self.situations.get(situation_id or GENERIC) or self.situations[GENERIC]

    def notice(self, name: str, **values: Any) -> str:
        return self.notices[name].format(**values)


def _parse(data: Mapping[str, Any], origin: str) -> EmergencyGuide:
    phone = str(data.get("phone") or "115")
    situations: dict[str, Situation] = {}
    for key, value in (data.get("situations") or {}).items():
        if not isinstance(value, dict):
            raise EmergencyKnowledgeError(f"{origin}: situations.{key} must be a mapping")
        fields = {name: str(value.get(name) or "").strip() for name in ("title", "text", "source")}
        for name, content in fields.items():
            if not content:
                raise EmergencyKnowledgeError(f"{origin}: situations.{key}.{name} is missing")
        if phone not in fields["text"]:
            raise EmergencyKnowledgeError(f"{origin}: situations.{key}.text must tell the citizen to call {phone}")
        if len(fields["text"]) > MAX_TEXT:
            raise EmergencyKnowledgeError(f"{origin}: situations.{key}.text is longer than {MAX_TEXT} characters")
        situations[str(key)] = Situation(str(key), fields["title"], fields["text"], fields["source"])
    if GENERIC not in situations:
        raise EmergencyKnowledgeError(f"{origin}: the generic situation '{GENERIC}' is missing")
    notices = {name: str(data.get(name) or "") for name in NOTICES}
    missing = [name for name, text in notices.items() if not text]
    if missing:
        raise EmergencyKnowledgeError(f"{origin}: {', '.join(missing)} missing")
    return EmergencyGuide(phone, str(data.get("call_button") or f"📞 Gọi {phone}"), situations, notices)


@lru_cache(maxsize=4)
def load_emergency(directory: Path = KNOWLEDGE_DIR) -> EmergencyGuide:
    path = directory / "health" / "cap_cuu.yml"
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise EmergencyKnowledgeError(f"{path}: expected a mapping")
    return _parse(data, str(path))
