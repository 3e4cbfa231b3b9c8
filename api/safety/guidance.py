"""The texts the triage sends (knowledge/health/: cap_cuu.yml through knowledge/emergency.py, and the health topics)
and the call buttons.

The number is one tap away where the channel can do it: a ``tel:`` link on the web widget, an ``oa.open.phone``
button on Zalo (channels/zalo/connector.py turns a ``tel:`` payload into one). Telegram bots cannot open the dialler,
so there the numbers stay in the text, which every alarm starts with.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import yaml

from knowledge import health_rules
from knowledge.emergency import KNOWLEDGE_DIR, EmergencyGuide, load_emergency

if TYPE_CHECKING:
    from api.safety.triage import Decision

TAP_TO_CALL_CHANNELS = frozenset({"web", "zalo"})
NUMBER_NAMES = {"113": "công an", "114": "cứu hỏa, cứu nạn", "115": "cấp cứu"}
TOPICS = {"fever": "sot_tre_em", "diarrhoea": "tieu_chay", "homecare": "vet_thuong_nhe"}


def guide() -> EmergencyGuide:
    return load_emergency()


def call_buttons(channel: str, numbers: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """One tap-to-call button per number, the first one first (115 alone by default)."""
    emergency = guide()
    if channel not in TAP_TO_CALL_CHANNELS:
        return []
    if not numbers or numbers == (emergency.phone,):
        return [{"title": emergency.call_button, "payload": f"tel:{emergency.phone}"}]
    return [{"title": f"📞 Gọi {n}", "payload": f"tel:{n}"} for n in numbers]


def _numbers_first(text: str, numbers: tuple[str, ...]) -> bool:
    """Whether the text already names these numbers in this order, near its start."""
    head = text[:160]
    positions = [head.find(n) for n in numbers]
    return all(p >= 0 for p in positions) and positions == sorted(positions)


def alarm_message(decision: Decision) -> str:
    """The ONE text of the situation; when the situation needs other numbers too, one line naming them first."""
    situation = guide().situation(decision.situation)
    numbers = decision.numbers or (guide().phone,)
    if _numbers_first(situation.text, numbers):
        return situation.message()
    line = "GỌI NGAY " + ", ".join(f"{n} ({NUMBER_NAMES.get(n, '')})" for n in numbers) + "."
    return f"🚨 {line}\n{situation.text}\n(Nguồn: {situation.source})"


def firstaid_message(decision: Decision) -> str:
    """A general question: the first-aid guidance itself, then one line for when it is happening now."""
    situation = guide().situation(decision.situation)
    phone = (decision.numbers or (guide().phone,))[0]
    return (
        f"Hướng dẫn để anh/chị biết trước – {situation.title}:\n{situation.text}\n(Nguồn: {situation.source})\n"
        + guide().notice("if_happening", phone=phone)
    )


@lru_cache(maxsize=8)
def _topic(topic_id: str) -> dict[str, Any]:
    path = KNOWLEDGE_DIR / "health" / f"{topic_id}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    topic: dict[str, Any] = {
        name: str(data.get(name) or "").strip() for name in ("title", "guidance", "warning", "source", "ask_age")
    }
    topic["first_if"] = tuple(
        (tuple(str(w) for w in rule["when"]), str(rule["say"]).strip()) for rule in data.get("first_if") or ()
    )
    topic["child_words"] = tuple(str(w) for w in data.get("child_words") or ())
    return topic


def topic_message(action: str, text: str = "") -> str:
    """Fever, diarrhoea without danger signs, mild injuries: what to do at home and the signs that mean go now. What
    the citizen said that already meets one of the warning's conditions ("2 ngày rồi") comes first, and a child's age
    is asked, as in the bot's own health answer (knowledge/health_rules.py)."""
    topic = _topic(TOPICS[action])
    first = health_rules.first_instruction(topic["first_if"], text)
    lead = f"Dạ, {first}\nTrong lúc chờ đi khám: " if first else ""
    ask = health_rules.age_question(topic["ask_age"], topic["child_words"], text)
    asked = f"\n{ask}" if ask else ""
    return f"{lead}{topic['guidance']}{asked}\n⚠️ {topic['warning']}\n(Nguồn: {topic['source']})"


def check_message() -> str:
    return guide().notice("check")
