"""Every Zalo OA and ZNS error code we act on, in one table: what it means, what we do about it, and where we read it.

Zalo answers errors with HTTP 200 and ``{"error": <code>, "message": …}``. Each code is one of:

- ``final``: retrying the same message cannot help (bad content, the OA's configuration, this person cannot receive
  it); recorded in Vietnamese, with Zalo's own message, for staff to see.
- ``window``: the citizen cannot be reached by a free customer-service message *now* (outside the interaction window,
  blocked, banned/inactive, restricted, night-time rule); final for the reply, and a notice takes its next route
  (promotion → ZNS, ``api/outbox/zalo_reach.py``) as for −230.
- ``gone``: the citizen is not a follower (−213): final, and their subscription ends.
- ``retry``: a limit that lifts with time (rate, daily quota, ZNS night ban): retried after ``retry_after``.
- ``token``: the access token was refused: refreshed and the call retried once.

A code not in the table is retried briefly (``UNKNOWN_ATTEMPTS``) and then shown to staff with the platform's
message, never retried for an hour as if it were an outage. Sources disagree on some codes; docs/channels.md lists
which and how an operator checks them on their own OA.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from channels.base import DeliveryError, OutsideWindow, RecipientGone

Kind = Literal["final", "window", "gone", "retry", "token"]
UNKNOWN_ATTEMPTS = 3  # a code we do not know: a few tries (2 + 4 s of backoff), then failed and shown to staff
_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

# Where each classification was read (cited per code below).
SOURCES = {
    "oa-appendix": "developers.zalo.me/docs/official-account/phu-luc/ma-loi, as listed by zalo-sdk 0.3.0 (PyPI; "
    "zalo_sdk ZaloOAException.ERROR_CODE_TO_STR)",
    "oa-spec": "public 'Zalo Platform API — Integration Specification' (compiled 2026-08-20 from docs.zaloplatforms.com"
    "/docs/OA), §14.1 handling classes, §14.2 OA codes, §15.3 time windows",
    "zns-guide": "https://zalo.cloud/zns/guidelines/handle-error-code (Zalo Cloud: ZNS error codes and handling)",
    "zns-spec": "same integration specification, §7.9 and §14.3 ZNS/ZBS codes",
    "issue-31": "independent integrations compared in issue #31: −217/−227/−232/−234/−244 are 'cannot reach in this "
    "window', not temporary",
}


@dataclass(frozen=True)
class ZaloCode:
    code: int
    kind: Kind
    text: str  # Vietnamese, for staff
    sources: tuple[str, ...]
    retry_after: float | None = None  # seconds, for kind "retry"; None: computed (see _retry_after)


def _c(code: int, kind: Kind, text: str, *sources: str, retry_after: float | None = None) -> ZaloCode:
    return ZaloCode(code, kind, text, sources, retry_after)


OA_CODES: dict[int, ZaloCode] = {
    c.code: c
    for c in (
        _c(-216, "token", "Mã truy cập Zalo không hợp lệ.", "oa-appendix", "oa-spec"),
        _c(-220, "token", "Mã truy cập Zalo đã hết hạn hoặc bị thu hồi.", "oa-spec"),
        _c(-32, "retry", "Zalo giới hạn tần suất gọi API; sẽ gửi lại sau.", "oa-appendix", "oa-spec", retry_after=60),
        _c(-211, "retry", "OA đã hết hạn mức của tính năng này; sẽ gửi lại sau.", "oa-appendix", retry_after=3600),
        _c(
            -218,
            "retry",
            "Người dân đã nhận quá số tin cho phép từ OA; sẽ gửi lại sau.",
            "oa-appendix",
            "oa-spec",
            retry_after=3600,
        ),
        _c(
            -230,
            "window",
            "Người dân chưa nhắn cho OA trong 7 ngày qua (ngoài khung thời gian được phép trả lời).",
            "oa-appendix",
            "oa-spec",
        ),
        _c(
            -232,
            "window",
            "Người dân chưa tương tác với OA hoặc lần tương tác cuối đã hết hạn.",
            "oa-appendix",
            "oa-spec",
            "issue-31",
        ),
        _c(-217, "window", "Người dân đã chặn tin từ OA.", "oa-appendix", "oa-spec", "issue-31"),
        _c(
            -227,
            "window",
            "Tài khoản Zalo của người dân bị khóa hoặc không hoạt động quá 45 ngày.",
            "oa-appendix",
            "oa-spec",
            "issue-31",
        ),
        _c(-234, "window", "Loại tin này không được gửi ban đêm (22:00–06:00).", "oa-appendix", "oa-spec", "issue-31"),
        _c(-244, "window", "Người dân đã tắt nhận loại tin này từ OA.", "oa-spec", "issue-31"),
        _c(-213, "gone", "Người dân chưa quan tâm (follow) OA hoặc đã bỏ quan tâm.", "oa-appendix", "oa-spec"),
        _c(-201, "final", "Zalo từ chối nội dung tin nhắn (tham số không hợp lệ).", "oa-appendix", "oa-spec"),
        _c(-210, "final", "Tham số vượt giới hạn cho phép của Zalo.", "oa-appendix", "oa-spec"),
        _c(-233, "final", "Loại tin nhắn không hợp lệ hoặc Zalo không hỗ trợ.", "oa-appendix", "oa-spec"),
        _c(-240, "final", "API tin nhắn v2 đã ngừng: cần dùng API v3.", "oa-appendix", "oa-spec"),
        _c(-248, "final", "Nội dung vi phạm tiêu chuẩn của Zalo.", "oa-spec"),
        _c(-100, "final", "Tệp/ảnh đính kèm đã hết hạn trên Zalo (quá 7 ngày).", "oa-spec"),
        _c(-204, "final", "OA đã bị vô hiệu hóa.", "oa-appendix", "oa-spec"),
        _c(-205, "final", "OA không tồn tại.", "oa-appendix", "oa-spec"),
        _c(-209, "final", "Ứng dụng chưa được kích hoạt cho API này.", "oa-appendix", "oa-spec"),
        _c(-212, "final", "OA chưa đăng ký API này.", "oa-appendix", "oa-spec"),
        _c(-219, "final", "Ứng dụng Zalo đã bị gỡ hoặc vô hiệu hóa: cần kết nối lại OA.", "oa-spec"),
        _c(-221, "final", "OA cần được xác thực để dùng tính năng này.", "oa-appendix", "oa-spec"),
        _c(-223, "final", "OA chưa cấp quyền cho API này.", "oa-spec"),
        _c(-224, "final", "OA cần nâng cấp gói dịch vụ để dùng tính năng này.", "oa-appendix", "oa-spec"),
        _c(-235, "final", "API này không hỗ trợ loại OA của xã.", "oa-appendix", "oa-spec"),
        _c(-242, "final", "appsecret_proof không hợp lệ.", "oa-spec"),
        _c(
            -320,
            "final",
            "Ứng dụng cần liên kết tài khoản Zalo Cloud để dùng tính năng trả phí.",
            "oa-appendix",
            "oa-spec",
        ),
        _c(-321, "final", "Tài khoản Zalo Cloud hết tiền hoặc không trừ được phí.", "oa-appendix", "oa-spec"),
    )
}

ZNS_CODES: dict[int, ZaloCode] = {
    c.code: c
    for c in (
        _c(-124, "token", "Mã truy cập ZNS không hợp lệ.", "zns-guide", "zns-spec"),
        _c(-32, "retry", "Zalo giới hạn tần suất gọi API; sẽ gửi lại sau.", "oa-spec", retry_after=60),
        _c(-100, "retry", "ZNS gặp lỗi không xác định; sẽ thử lại.", "zns-guide", "zns-spec", retry_after=60),
        _c(-144, "retry", "OA đã hết hạn mức gửi ZNS trong ngày; sẽ gửi lại ngày mai.", "zns-guide", "zns-spec"),
        _c(-147, "retry", "Mẫu ZNS đã hết hạn mức gửi trong ngày; sẽ gửi lại ngày mai.", "zns-guide", "zns-spec"),
        _c(
            -133,
            "retry",
            "Mẫu ZNS này không được gửi ban đêm (22:00–06:00); sẽ gửi lúc 06:00.",
            "zns-guide",
            "zns-spec",
        ),
        _c(-108, "final", "Số điện thoại không hợp lệ với ZNS.", "zns-guide", "zns-spec"),
        _c(-110, "final", "Phiên bản Zalo của người dân không nhận được ZNS.", "zns-guide", "zns-spec"),
        _c(
            -114,
            "final",
            "Người dân không nhận được ZNS (trạng thái tài khoản, tùy chọn nhận tin hoặc Zalo cũ).",
            "zns-guide",
            "zns-spec",
        ),
        _c(-118, "final", "Số điện thoại chưa có tài khoản Zalo hoặc tài khoản bị khóa.", "zns-guide", "zns-spec"),
        _c(-119, "final", "Tài khoản Zalo của người dân không nhận được tin ZNS.", "zns-guide", "zns-spec"),
        _c(-139, "final", "Người dân đã từ chối nhận loại tin ZNS này.", "zns-guide", "zns-spec"),
        _c(-140, "final", "Người dân không thuộc đối tượng nhận loại tin ZNS này.", "zns-guide", "zns-spec"),
        _c(-141, "final", "Người dân đã từ chối nhận ZNS từ OA của xã.", "zns-guide", "zns-spec"),
        _c(-109, "final", "Mã mẫu ZNS không hợp lệ.", "zns-guide", "zns-spec"),
        _c(-111, "final", "Mẫu ZNS thiếu dữ liệu.", "zns-guide", "zns-spec"),
        _c(-112, "final", "Kiểu dữ liệu tham số mẫu ZNS chưa được khai báo.", "zns-guide", "zns-spec"),
        _c(-1121, "final", "Giá trị tham số ZNS dài hơn giới hạn của loại tham số.", "zns-spec"),
        _c(-1122, "final", "Thiếu tham số của mẫu ZNS.", "zns-spec"),
        _c(-1124, "final", "Giá trị tham số ZNS sai định dạng.", "zns-spec"),
        _c(-113, "final", "Nút bấm của mẫu ZNS không hợp lệ.", "zns-guide", "zns-spec"),
        _c(-115, "final", "Tài khoản ZNS không đủ số dư.", "zns-guide", "zns-spec"),
        _c(-116, "final", "Nội dung tham số ZNS không hợp lệ.", "zns-guide", "zns-spec"),
        _c(-117, "final", "OA hoặc ứng dụng không có quyền dùng mẫu ZNS này.", "zns-guide", "zns-spec"),
        _c(-131, "final", "Mẫu ZNS chưa được duyệt hoặc không tồn tại.", "zns-guide", "zns-spec"),
        _c(-132, "final", "Tham số mẫu ZNS không hợp lệ.", "zns-guide", "zns-spec"),
        _c(-135, "final", "OA chưa được phép gửi ZNS (cần xác thực và gói trả phí).", "zns-guide", "zns-spec"),
        _c(-136, "final", "Cần liên kết tài khoản Zalo Cloud để gửi ZNS.", "zns-guide", "zns-spec"),
        _c(-137, "final", "Không trừ được phí ZNS từ tài khoản Zalo Cloud.", "zns-guide", "zns-spec"),
        _c(-145, "final", "OA không được gửi loại nội dung ZNS này.", "zns-guide", "zns-spec"),
        _c(-146, "final", "Mẫu ZNS bị tắt vì chất lượng gửi thấp.", "zns-guide", "zns-spec"),
    )
}


def lookup(code: int, *, zns: bool = False) -> ZaloCode | None:
    """The entry for a code (ZNS's own table first for ZNS calls: the two reuse some numbers differently)."""
    if zns:
        return ZNS_CODES.get(code) or (OA_CODES.get(code) if code in (-216, -220) else None)
    return OA_CODES.get(code)


def is_token_error(code: int, *, zns: bool = False) -> bool:
    entry = lookup(code, zns=zns)
    return entry is not None and entry.kind == "token"


def _seconds_until(hour: int, now: datetime | None, *, next_day: bool) -> float:
    local = (now or datetime.now(_ZONE)).astimezone(_ZONE)
    target = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if next_day or target <= local:
        target += timedelta(days=1)
    return max(60.0, (target - local).total_seconds())


def _retry_after(entry: ZaloCode, now: datetime | None) -> float:
    if entry.retry_after is not None:
        return entry.retry_after
    if entry.code == -133:  # ZNS night ban: the next 06:00 in Vietnam
        return _seconds_until(6, now, next_day=False)
    return _seconds_until(0, now, next_day=True) + 300  # daily quotas reset at midnight (Vietnam time)


def delivery_error(
    code: int, message: str, *, zns: bool = False, now: datetime | None = None, not_follower_is_gone: bool = True
) -> DeliveryError:
    """The outcome the outbox acts on, its reason naming the code and quoting Zalo's own message.

    ``not_follower_is_gone=False`` (account setting ``not_follower_unsubscribes: false``) treats −213 as a window code:
    for OAs where a citizen who never followed can still get replies, −213 does not mean they left."""
    entry = lookup(code, zns=zns)
    said = f" Zalo: “{message.strip()[:300]}”" if message.strip() else ""
    prefix = "ZNS: " if zns else ""
    if entry is None:
        reason = f"{prefix}Zalo trả mã lỗi chưa biết {code}.{said}"
        return DeliveryError(reason, retryable=True, max_attempts=UNKNOWN_ATTEMPTS)
    reason = f"{prefix}Không gửi được: {entry.text} (mã {code}).{said}"
    if entry.kind == "window" or (entry.kind == "gone" and not not_follower_is_gone):
        return OutsideWindow(reason, retryable=False)
    if entry.kind == "gone":
        return RecipientGone(reason)
    if entry.kind == "retry":
        return DeliveryError(reason, retryable=True, retry_after=_retry_after(entry, now))
    if entry.kind == "token":  # still refused after a refresh: the OA must be reconnected; keep it queued meanwhile
        return DeliveryError(f"{reason} Đã làm mới mà vẫn bị từ chối.", retryable=True, retry_after=300)
    return DeliveryError(reason, retryable=False)
