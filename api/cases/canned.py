"""Canned replies: a commune's ready-made answers, with variables filled from the case ({ma_ho_so}, {ten_xa}…).

A commune keeps its own list in ``commune.settings["canned_replies"]`` (``[{"title": …, "text": …}]``, edited on the
console's admin page); until it writes one, the defaults below serve. Unknown variables are left as typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api.communes.worktime import WorkCalendar

VARIABLES = {
    "ma_ho_so": "mã hồ sơ",
    "ten_xa": "tên xã/phường",
    "nguoi_dan": "tên người dân (hoặc 'anh/chị')",
    "can_bo": "tên cán bộ trả lời",
    "han_xu_ly": "hạn xử lý, bằng chữ",
}
DEFAULTS: tuple[tuple[str, str], ...] = (
    (
        "Đã tiếp nhận",
        "Dạ {ten_xa} đã tiếp nhận phản ánh của {nguoi_dan} (mã hồ sơ {ma_ho_so}). Bộ phận chuyên môn sẽ kiểm tra và "
        "trả lời {han_xu_ly}.",
    ),
    (
        "Đang xử lý",
        "Dạ hồ sơ {ma_ho_so} đang được cán bộ xử lý. {ten_xa} sẽ báo lại ngay khi có kết quả ạ.",
    ),
    (
        "Cần thêm thông tin",
        "Dạ để xử lý hồ sơ {ma_ho_so}, {nguoi_dan} vui lòng cho biết thêm địa chỉ cụ thể (số nhà, ấp/khu phố) hoặc gửi "
        "ảnh hiện trường giúp xã ạ.",
    ),
    (
        "Đã xử lý xong",
        "Dạ {ten_xa} đã xử lý xong hồ sơ {ma_ho_so}. Cảm ơn {nguoi_dan} đã phản ánh; nếu còn vướng mắc xin nhắn lại ạ.",
    ),
    (
        "Hướng dẫn đến bộ phận một cửa",
        "Dạ việc này {nguoi_dan} vui lòng mang giấy tờ đến Bộ phận tiếp nhận và trả kết quả của {ten_xa} trong giờ "
        "hành chính để được hướng dẫn trực tiếp ạ.",
    ),
)


@dataclass(frozen=True)
class CannedReply:
    title: str
    text: str


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def templates_of(settings: Mapping[str, Any] | None) -> list[CannedReply]:
    own = (settings or {}).get("canned_replies")
    if isinstance(own, list):
        replies = [
            CannedReply(str(item.get("title", ""))[:80], str(item.get("text", ""))[:2000])
            for item in own
            if isinstance(item, Mapping) and item.get("title") and item.get("text")
        ]
        if replies:
            return replies
    return [CannedReply(title, text) for title, text in DEFAULTS]


def fill(text: str, values: Mapping[str, str]) -> str:
    try:
        return text.format_map(_Keep(values))
    except (ValueError, IndexError):  # a stray brace in the commune's own text: show it as written
        return text


def for_case(*, commune: Any, case: Any, officer_name: str) -> list[CannedReply]:
    """The commune's canned replies with this case's values filled in."""
    calendar = WorkCalendar.for_commune(commune)
    values = {
        "ma_ho_so": case.code,
        "ten_xa": getattr(commune, "name", "") or "UBND xã",
        "nguoi_dan": case.contact_name or "anh/chị",
        "can_bo": officer_name,
        "han_xu_ly": calendar.due_in_words(case.due_at) if case.due_at else "sớm nhất có thể",
    }
    return [CannedReply(r.title, fill(r.text, values)) for r in templates_of(getattr(commune, "settings", None))]
