"""Helpers shared by every action module: Vietnamese text folding, message context, phones, dates."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa_sdk import Tracker

import xaso_text

DEFAULT_COMMUNE = "xa-demo"
VIETNAM_TZ = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh has no daylight saving time
CHANNELS = ("zalo", "telegram", "web")  # channels/ids.py NAMES (tests/channels/test_channel_list.py)
PHONE_RE = re.compile(r"(?:\+?84|0)[\s.\-]?(?:\d[\s.\-]?){8,9}\d?")
MOBILE_RE = re.compile(r"^0[35789]\d{8}$")
CASE_CODE_RE = re.compile(r"\b([A-Za-z]{2,4})\s*-\s*(\d{4})\s*-\s*(\d{3,8})\b")

# Intents that interrupt a form: the form lets the rules answer them, then asks its question again.
INTERRUPT_INTENTS = {
    "ask_procedure", "health_question", "health_emergency", "office_info", "check_status", "request_human",
}  # fmt: skip


def fold(text: Optional[Text]) -> Text:
    """Lower-case, accent-free form of Vietnamese text ("Hủy" → "huy", "đường" → "duong")."""
    if not text:
        return ""
    return re.sub(r"\s+", " ", xaso_text.fold(text)).strip()


def nfc(text: Optional[Text]) -> Text:
    return xaso_text.nfc(text).strip()


def contains_any(folded_text: Text, phrases: Iterable[Text]) -> bool:
    """True when one of ``phrases`` (folded here) occurs in ``folded_text`` as whole words."""
    for phrase in phrases:
        key = fold(phrase)
        if key and re.search(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", folded_text):
            return True
    return False


PLACEHOLDER_RE = re.compile(r"^\[[^\[\]]{1,30}\]$")  # "[hình ảnh]", "[vị trí]": media without a caption


def latest_text(tracker: Tracker) -> Text:
    """The latest message's text (NFC); empty for the gateway's placeholders of captionless media."""
    text = nfc((tracker.latest_message or {}).get("text"))
    return "" if PLACEHOLDER_RE.match(text) else text


def latest_intent(tracker: Tracker) -> Text:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def metadata(tracker: Tracker) -> Dict[Text, Any]:
    meta = (tracker.latest_message or {}).get("metadata") or {}
    if not meta:
        meta = tracker.get_slot("session_started_metadata") or {}
    return meta if isinstance(meta, dict) else {}


def entity_values(tracker: Tracker, entity: Text) -> List[Any]:
    entities = (tracker.latest_message or {}).get("entities") or []
    return [e.get("value") for e in entities if e.get("entity") == entity and e.get("value") not in (None, "")]


def first_entity(tracker: Tracker, entity: Text) -> Optional[Any]:
    values = entity_values(tracker, entity)
    return values[0] if values else None


# The gateway sends the commune and the channel with every message (api/conversations/messages.py rasa_metadata);
# the conversation id (tracker.sender_id) is opaque here: only the gateway's channels/ids.py reads it.
def commune_slug(tracker: Tracker) -> Text:
    slug = metadata(tracker).get("commune")
    return slug if isinstance(slug, str) and slug else DEFAULT_COMMUNE


def channel(tracker: Tracker) -> Text:
    value = metadata(tracker).get("channel")
    return str(value) if value in CHANNELS else "web"


def turn_id(tracker: Tracker) -> Optional[Text]:
    """The gateway's id of the message being answered (``inbox-<id>``, the same on every retry of it): a case filed in
    this turn carries it, so a turn run again on another Rasa replica files nothing twice."""
    value = ((tracker.latest_message or {}).get("metadata") or {}).get("turn_id")
    return str(value)[:64] if isinstance(value, str) and value else None


def normalise_phone(text: Optional[Text]) -> Optional[Text]:
    """A Vietnamese mobile number as 10 digits starting with 0, or None when ``text`` holds none."""
    if not text:
        return None
    match = PHONE_RE.search(str(text))
    candidate = re.sub(r"\D", "", match.group(0) if match else str(text))
    if candidate.startswith("84") and len(candidate) == 11:
        candidate = "0" + candidate[2:]
    return candidate if MOBILE_RE.match(candidate) else None


def find_case_code(tracker: Tracker) -> Optional[Text]:
    code = first_entity(tracker, "case_code")
    match = CASE_CODE_RE.search(str(code) if code else latest_text(tracker))
    if not match:
        return None
    prefix, year, number = match.groups()
    return f"{prefix.upper()}-{year}-{number.zfill(6)}"


def format_due(value: Optional[Text]) -> Optional[Text]:
    """ISO timestamp → "17h00 ngày 27/11/2026" in Vietnam time."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(VIETNAM_TZ)
    return f"{local.hour}h{local.minute:02d} ngày {local.day:02d}/{local.month:02d}/{local.year}"


def recent_user_texts(tracker: Tracker, limit: int = 5) -> List[Text]:
    texts = [nfc(e.get("text")) for e in tracker.events if e.get("event") == "user" and e.get("text")]
    return texts[-limit:]
