"""What the citizen sees from the gateway itself, and how inbound messages are put into words for Rasa and staff."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from api.communes.worktime import WEEKDAY_NAMES, WorkCalendar
from channels.base import InboundMessage
from xaso_text import fold

BUSY_TEXT = (
    "Hệ thống đang bận, anh/chị vui lòng chờ trong giây lát. "
    "Tin nhắn của anh/chị đã được ghi nhận và sẽ được trả lời ngay khi hệ thống hoạt động trở lại."
)
RATING_THANKS = (
    "Em cảm ơn anh/chị đã đánh giá {stars}! Anh/chị có muốn góp ý thêm điều gì không? "
    "Hãy nhắn góp ý của anh/chị, hoặc bấm “Bỏ qua”."
)
COMMENT_THANKS = "Cảm ơn góp ý của anh/chị! Ý kiến của anh/chị giúp UBND xã phục vụ người dân tốt hơn."
COMMENT_SKIPPED = "Dạ vâng. Em cảm ơn anh/chị đã đánh giá! Anh/chị cần hỗ trợ gì thêm cứ nhắn cho trợ lý ảo nhé."
RATING_CLOSED = "Em cảm ơn anh/chị! Hồ sơ này đã được đánh giá hoặc đã hết thời hạn đánh giá."
BACK_TO_BOT_PLAIN = "Anh/chị đang trò chuyện với trợ lý ảo. Anh/chị cần hỗ trợ gì ạ?"
SKIP_BUTTONS = [{"title": "Bỏ qua", "payload": "Bỏ qua"}]
BACK_TO_BOT_BUTTON = {"title": "Quay lại trợ lý ảo", "payload": "Quay lại trợ lý ảo"}
BACK_TO_BOT_TEXT = (
    "Anh/chị đã quay lại trò chuyện với trợ lý ảo. Yêu cầu {code} vẫn được lưu để cán bộ xem và liên hệ lại nếu cần. "
    "Anh/chị cần hỗ trợ gì ạ?"
)
CONTACT_THANKS = "Em cảm ơn anh/chị đã cung cấp thông tin liên hệ."
START_PAYLOAD = "/greet"

_PLACEHOLDER = {"image": "[hình ảnh]", "file": "[tệp đính kèm]", "sticker": "[nhãn dán]", "location": "[vị trí]"}
_STARS_ONLY = re.compile(r"^(⭐{1,5})[\s.!]*$")
_BARE_RATING = re.compile(r"^([1-5])\s*(?:sao|diem|d|/\s*5|⭐+|\*)?\s*[.!]*$")
_RATING_WITH_UNIT = re.compile(
    r"^([1-5])\s*(sao|sa0|điểm|diem|/\s*5|⭐+|\*)(?:\s*[.,:;!-]\s*|\s+|$)(.*)$", re.DOTALL | re.I
)
_UNIT = re.compile(r"sao|sa0|diem|/5|⭐+|\*")
BACK_TO_BOT_PHRASES = (
    "quay lai tro ly ao", "quay ve tro ly ao", "tro lai tro ly ao", "tro ve tro ly ao", "gap tro ly ao",
    "quay lai chatbot", "quay lai chat bot", "quay lai bot", "noi chuyen voi tro ly ao", "quay lai tro ly",
)  # fmt: skip
# Words of a new question or request: after a rating these go on to the bot instead of becoming the comment.
NOT_A_COMMENT = (
    "cho hoi", "cho em hoi", "cho toi hoi", "cho minh hoi", "xin hoi", "muon hoi", "hoi ve", "lam sao", "the nao",
    "bao lau", "o dau", "khi nao", "bao nhieu", "thu tuc", "lam giay", "dang ky", "tra cuu", "phan anh", "gap can bo",
    "xin chao", "chao ban", "chao ad", "alo", "giup toi", "giup em", "can giup",
)  # fmt: skip


def map_link(latitude: float, longitude: float) -> str:
    return f"https://www.google.com/maps?q={latitude:.6f},{longitude:.6f}"


def rasa_text(message: InboundMessage) -> str:
    """The text Rasa sees. Media without a caption becomes a short marker; the details travel in the metadata."""
    if message.kind in ("start", "follow"):
        return START_PAYLOAD
    if message.text:
        return message.text
    return _PLACEHOLDER.get(message.kind, message.kind)


def rasa_metadata(message: InboundMessage, *, commune: str, channel: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"commune": commune, "channel": channel, "message_type": message.kind}
    if message.attachments:
        metadata["attachments"] = list(message.attachments)
    if message.latitude is not None and message.longitude is not None:
        metadata["location"] = {"latitude": message.latitude, "longitude": message.longitude}
    if message.display_name:
        metadata["display_name"] = message.display_name
    if isinstance(message.extra.get("capabilities"), list):  # what the client can send (the bot asks for no more)
        metadata["capabilities"] = list(message.extra["capabilities"])
    return metadata


def timeline_text(message: InboundMessage) -> tuple[str, list[str]]:
    """The citizen's message as it goes onto a case timeline: text plus attachment links."""
    attachments = list(message.attachments)
    text = message.text
    if message.kind == "location" and message.latitude is not None and message.longitude is not None:
        attachments.append(map_link(message.latitude, message.longitude))
        text = text or f"Vị trí: {message.latitude:.6f}, {message.longitude:.6f}"
    return text or _PLACEHOLDER.get(message.kind, ""), attachments


def parse_rating(text: str) -> tuple[int, str | None] | None:
    """Only what is plainly a rating → (stars, comment or None): the button payload or a bare ``4``, ``4 sao``,
    ``4/5``, ``4 điểm``, ``4 ⭐`` (a comment may follow an explicit unit: ``3/5 chờ hơi lâu``) and ``⭐⭐⭐⭐``.

    A sentence that merely starts with a digit ("1 người bị tai nạn…") is not a rating."""
    cleaned = (text or "").replace("\ufe0f", "").replace("★", "⭐").strip()
    stars = _STARS_ONLY.match(cleaned)
    if stars is not None:
        return len(stars.group(1)), None
    bare = _BARE_RATING.match(fold(cleaned))
    if bare is not None:
        return int(bare.group(1)), None
    match = _RATING_WITH_UNIT.match(cleaned)
    if match is None or not _UNIT.fullmatch(fold(match.group(2)).replace(" ", "")):
        return None
    return int(match.group(1)), match.group(3).strip() or None


def _phrase_in(folded: str, phrases: tuple[str, ...]) -> bool:
    return any(re.search(rf"(?<![a-z0-9]){re.escape(p)}(?![a-z0-9])", folded) for p in phrases)


def is_back_to_bot(text: str) -> bool:
    """ "quay lại trợ lý ảo" (with or without accents, the button's payload) and its close variants."""
    folded = " ".join(fold(text or "").split())
    return _phrase_in(folded, BACK_TO_BOT_PHRASES)


def is_skip(text: str) -> bool:
    return " ".join(fold(text or "").split()).strip(" .!") in ("bo qua", "khong", "ko", "k", "thoi", "khong co")


def is_comment(text: str) -> bool:
    """Free text that reads as feedback on the finished case. Questions and new requests are not comments: they go
    on to the bot (or staff), so the comment prompt never swallows them; payloads and ratings are not comments."""
    stripped = (text or "").strip()
    if not stripped or stripped.startswith("/") or "?" in stripped or parse_rating(stripped) is not None:
        return False
    folded = " ".join(fold(stripped).split())
    return not _phrase_in(folded, NOT_A_COMMENT) and not is_back_to_bot(stripped)


def reply_fields(reply: dict[str, Any]) -> tuple[str, list[dict[str, Any]] | None, str | None]:
    """A Rasa reply's text, buttons and image (custom payloads carrying text are shown as text)."""
    text = str(reply.get("text") or "")
    custom = reply.get("custom")
    if not text and isinstance(custom, dict) and isinstance(custom.get("text"), str):
        text = custom["text"]
    buttons = reply.get("buttons") if isinstance(reply.get("buttons"), list) else None
    image = reply.get("image") if isinstance(reply.get("image"), str) else None
    return text, buttons, image


def handoff_ack(*, commune_name: str, code: str, calendar: WorkCalendar, now: datetime) -> str:
    """The acknowledgement on a staff-owned conversation: the message reached staff, whether they are on duty now,
    and when they will answer (office hours and Vietnamese public holidays, api/communes/worktime.py)."""
    head = f"Tin nhắn của anh/chị đã được chuyển tới cán bộ {commune_name} (hồ sơ {code})."
    tail = (
        " Anh/chị cứ nhắn tiếp, mọi tin nhắn đều được chuyển tới cán bộ; muốn hỏi trợ lý ảo, bấm “Quay lại trợ lý ảo”."
    )
    if calendar.is_open(now):
        return head + " Cán bộ đang trong giờ làm việc và sẽ trả lời anh/chị ngay tại đây sớm nhất có thể." + tail
    local = calendar.local(now)
    holiday = calendar.holiday_name(local.date())
    if holiday:
        why = f"hôm nay nghỉ lễ ({holiday})"
    elif not calendar.periods(local.date()):
        why = f"hôm nay là ngày nghỉ ({WEEKDAY_NAMES[local.weekday()]})"
    else:
        why = "hiện đang ngoài giờ làm việc"
    return (
        f"{head} Vì {why}, cán bộ sẽ trả lời anh/chị từ {calendar.opening_in_words(now)}."
        " Nếu cần cấp cứu, hãy gọi ngay 115 (công an 113, cứu hỏa 114)." + tail
    )
