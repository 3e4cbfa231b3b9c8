"""What the citizen is told (Luật 91/2025/QH15: notice before processing): a short notice at first contact on every
channel, and the policy page it links to. The figures come from the retention settings, so the notice never promises
a period the retention job does not keep."""

from __future__ import annotations

from html import escape

from api.config import Settings


def _days(days: int) -> str:
    if days == 0:
        return "cho đến khi anh/chị yêu cầu xóa"
    if days % 365 == 0:
        return f"{days // 365} năm"
    return f"{days} ngày"


def notice_text(settings: Settings, *, commune_name: str) -> str:
    """The first-contact notice (one message, well under every channel's length limit)."""
    return (
        f"🔒 Về dữ liệu cá nhân: {commune_name} ({settings.privacy_controller}) xử lý tin nhắn, tên, số điện thoại, "
        "ảnh và vị trí anh/chị gửi để trả lời câu hỏi, tiếp nhận phản ánh và gửi thông báo anh/chị đăng ký. "
        f"Tin nhắn được giữ {_days(settings.retention_message_days)}, ảnh {_days(settings.retention_media_days)}; "
        f"hồ sơ đã đóng được ẩn danh sau {_days(settings.retention_closed_case_days)}. "
        "Thông tin sức khỏe chỉ được lưu khi anh/chị đồng ý và chỉ cán bộ y tế được xem. "
        'Anh/chị có thể nhắn: "xem dữ liệu của tôi", "xóa dữ liệu của tôi", "rút lại đồng ý". '
        f"Chi tiết: {settings.public_base_url.rstrip('/')}/privacy"
    )


HEALTH_CONSENT_ASK = (
    "Để cán bộ y tế tư vấn, xã cần lưu thông tin sức khỏe anh/chị vừa kể (chỉ cán bộ y tế được xem). "
    'Anh/chị có đồng ý không? Nhắn "đồng ý lưu thông tin sức khỏe" để đồng ý; anh/chị có thể rút lại bất cứ lúc nào.'
)

_SECTIONS: list[tuple[str, list[str]]] = [
    ("Ai xử lý dữ liệu của anh/chị", [
        "Bên kiểm soát và xử lý: {controller} nơi anh/chị nhắn tin, qua hệ thống Xã Số. Liên hệ: {contact}.",
        "Không bán, không chia sẻ cho bên thứ ba; nền tảng nhắn tin (Zalo, Telegram) chỉ chuyển tin.",
    ]),
    ("Mục đích", [
        "Trả lời câu hỏi về thủ tục hành chính; tiếp nhận và giải quyết phản ánh, yêu cầu; tư vấn sức khỏe ban đầu;",
        "gửi thông báo của xã khi anh/chị đăng ký; cải thiện trợ lý (câu hỏi đã được che tên, số điện thoại, số CCCD).",
    ]),
    ("Dữ liệu được xử lý", [
        "Tin nhắn, tên hiển thị, số điện thoại anh/chị cung cấp, ảnh, vị trí; thông tin sức khỏe (dữ liệu nhạy cảm)"
        " chỉ khi anh/chị đồng ý.",
    ]),
    ("Thời gian lưu", [
        "Tin nhắn: {messages}. Ảnh, ghi âm: {media}. Hồ sơ đã đóng: ẩn danh sau {cases}"
        " (giữ lại việc hồ sơ đã có, lĩnh vực và ngày tháng, không còn tên, số điện thoại hay nội dung).",
    ]),
    ("Quyền của anh/chị", [
        "Nhắn \"xem dữ liệu của tôi\" để biết xã đang lưu gì về anh/chị;",
        "\"xóa dữ liệu của tôi\" để xóa (hồ sơ đang giải quyết được chuyển cán bộ xử lý theo quy định);",
        "\"rút lại đồng ý\" để rút lại sự đồng ý. Anh/chị cũng có thể khiếu nại tới {contact}.",
    ]),
    ("Ai được xem", [
        "Chỉ cán bộ xã được phân quyền; cuộc tư vấn sức khỏe chỉ cán bộ y tế xem;"
        " mọi lần cán bộ xem hoặc xuất dữ liệu cá nhân đều được ghi lại.",
    ]),
]  # fmt: skip


def policy_html(settings: Settings) -> str:
    values = {
        "controller": settings.privacy_controller,
        "contact": settings.privacy_contact,
        "messages": _days(settings.retention_message_days),
        "media": _days(settings.retention_media_days),
        "cases": _days(settings.retention_closed_case_days),
    }
    body = "".join(
        f"<h2>{escape(title)}</h2>" + "".join(f"<p>{escape(line.format(**values))}</p>" for line in lines)
        for title, lines in _SECTIONS
    )
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Chính sách bảo vệ dữ liệu cá nhân</title></head><body>"
        "<h1>Chính sách bảo vệ dữ liệu cá nhân</h1>"
        "<p>Theo Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15 (hiệu lực từ 01/01/2026).</p>"
        f"{body}</body></html>"
    )
