"""What every form shares: cancelling ("thôi", "hủy"), skipping ("không"), yes/no, and media sent with a message."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.common import INTERRUPT_INTENTS, contains_any, fold, latest_intent, latest_text, metadata

# Accented forms are unambiguous anywhere in the message; accent-free ones only as the whole message ("Huy" is a name).
_CANCEL_ACCENTED = re.compile(
    r"(?<!\w)(hủy|huỷ|dừng lại|không gửi nữa|không làm nữa|không đặt nữa)(?!\w)|^\s*thôi(?!\w)", re.I
)
_CANCEL_FOLDED = re.compile(
    r"^(thoi|huy|huy bo|huy di|thoi khong|thoi khong gui nua|thoi bo di|dung lai|khong gui nua|cancel|stop|"
    r"huy phan anh|huy dat lich|thoi khong can|thoi khoi)\s*[.!]*$"
)
_SKIP = re.compile(
    r"^(khong|ko|k|kg|khg|hong|khong co|ko co|k co|bo qua|khong can|ko can|an danh|de an danh|khong de lai|"
    r"khong co anh|ko co anh|khong chup|skip|no|khong a|da khong|khong co so|khong muon|ko muon|k muon|giau ten|"
    r"bi mat|khong de so)\s*[.!]*\s*(a|nhe|nha|dau)?$"
)
_YES = [
    "đúng",
    "đúng rồi",
    "ok",
    "oke",
    "okay",
    "có",
    "ừ",
    "ừm",
    "vâng",
    "dạ",
    "đồng ý",
    "gửi",
    "gửi đi",
    "xác nhận",
    "chuẩn",
]
CORRECTION_MARKERS = ("khong phai", "nham", "sua lai", "sua thanh", "doi lai", "doi thanh", "khong dung")
CORRECTION_PREFIX = re.compile(
    r"^\s*(không phải|khong phai|nhầm|nham|sửa lại|sua lai|sửa thành|sua thanh|đổi lại|doi lai|không đúng|khong dung)"
    r"[\s,.:;!-]*((mà |ma )?(là|la|ở|o|tại|tai)\s+)?",
    re.I,
)


QUESTION_CUES = [
    "gì", "nào", "sao", "bao nhiêu", "bao lâu", "ở đâu", "mấy", "thế nào", "như nào", "cho hỏi", "hỏi", "làm sao",
    "khi nào", "bao giờ", "ra sao", "được không", "có không", "chưa", "giờ làm việc", "địa chỉ", "số điện thoại",
    "kiểm tra", "tra cứu", "tình trạng", "đến đâu", "thủ tục", "hồ sơ", "lệ phí",
]  # fmt: skip
HUMAN_CUES = [
    "cán bộ",
    "nhân viên",
    "người thật",
    "gặp",
    "nói chuyện",
    "tổng đài",
    "admin",
    "ad",
    "người trực",
    "tư vấn viên",
]
INTERRUPT_ENTITIES = ("procedure", "case_code", "aspect")


def is_interruption(tracker: Tracker) -> bool:
    """Whether the latest message is a question to answer before the form goes on, rather than an answer.

    The NLU's intent alone is not enough while a form asks for free text: a name or a place may look like anything.
    Emergencies always interrupt; a request for staff needs words asking for a person; the other questions need a
    question word or an entity of their own.
    """
    intent = latest_intent(tracker)
    if intent not in INTERRUPT_INTENTS:
        return False
    if intent == "health_emergency":
        return True
    text = latest_text(tracker)
    folded = fold(text)
    if intent == "request_human":
        return contains_any(folded, HUMAN_CUES)
    entities = (tracker.latest_message or {}).get("entities") or []
    return (
        "?" in text
        or contains_any(folded, QUESTION_CUES)
        or any(e.get("entity") in INTERRUPT_ENTITIES for e in entities)
        or text.startswith("/")
    )


def is_cancel(text: Text) -> bool:
    if text.startswith("/"):
        return False
    # "không phải, ở ấp 4" is a correction, not a cancellation, even though "thôi" could follow.
    return bool(_CANCEL_ACCENTED.search(text) and not fold(text).startswith("khong phai")) or bool(
        _CANCEL_FOLDED.match(fold(text))
    )


def is_skip(text: Text) -> bool:
    return bool(_SKIP.match(fold(text)))


def is_yes(tracker: Tracker) -> bool:
    if latest_intent(tracker) == "affirm":
        return True
    folded = fold(latest_text(tracker))
    return bool(folded) and len(folded.split()) <= 4 and contains_any(folded, _YES) and "khong" not in folded.split()


def is_no(tracker: Tracker) -> bool:
    return latest_intent(tracker) == "deny" or fold(latest_text(tracker)).split()[:1] in (["khong"], ["ko"], ["k"])


def has_correction_marker(text: Text) -> bool:
    folded = fold(text)
    return any(folded.startswith(marker) for marker in CORRECTION_MARKERS)


def strip_correction(text: Text) -> Text:
    return CORRECTION_PREFIX.sub("", text, count=1).strip(" ,.") or text.strip()


def image_urls(tracker: Tracker) -> List[Text]:
    """Image URLs the channel attached to the latest message.

    The gateway sends ``metadata.attachments`` as a list of URLs with ``metadata.message_type`` "image"; dicts
    ``{type, url}`` are accepted too. Only http(s) URLs and the gateway's own /staff/media/ paths are kept: the
    case API stores nothing else (a Telegram ``tg-file:`` id must be resolved to a URL by the gateway first).
    """
    meta = metadata(tracker)
    urls = []
    for item in meta.get("attachments") or []:
        if isinstance(item, dict) and item.get("type") in ("image", "photo"):
            item = item.get("url")
        elif not (isinstance(item, str) and meta.get("message_type") in ("image", "photo", None)):
            continue
        if isinstance(item, str) and item.startswith(("https://", "http://", "/staff/media/")):
            urls.append(item)
    return urls


def shared_location(tracker: Tracker) -> Optional[Tuple[float, float]]:
    """``metadata.location {lat, long}`` (Zalo/Telegram location messages), when valid coordinates."""
    location = metadata(tracker).get("location")
    if not isinstance(location, dict):
        return None
    lat = location.get("lat", location.get("latitude"))
    lon = location.get("long", location.get("lon", location.get("longitude")))
    try:
        lat_f, lon_f = float(str(lat)), float(str(lon))
    except (TypeError, ValueError):
        return None
    return (lat_f, lon_f) if -90 <= lat_f <= 90 and -180 <= lon_f <= 180 else None


def can_send(tracker: Tracker, what: Text) -> bool:
    """Whether the citizen's channel can send ``what`` ("image", "location"). The gateway forwards
    ``metadata.capabilities`` when the client declared them (the web widget does); otherwise the channel can."""
    capabilities = metadata(tracker).get("capabilities")
    return what in capabilities if isinstance(capabilities, list) else True


def next_requested(order: Sequence[Text], current: Dict[Text, Any]) -> Optional[Text]:
    return next((slot for slot in order if current.get(slot) is None), None)


def slot_events(updates: Dict[Text, Any], order: Sequence[Text], tracker: Tracker) -> List[EventType]:
    """SlotSets for ``updates`` plus the next slot to ask (None ends the form)."""
    current = {slot: tracker.get_slot(slot) for slot in order}
    current.update({k: v for k, v in updates.items() if k in current})
    events: List[EventType] = [SlotSet(key, value) for key, value in updates.items()]
    return [*events, SlotSet("requested_slot", next_requested(order, current))]
