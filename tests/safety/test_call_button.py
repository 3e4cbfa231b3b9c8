"""115 in one tap: a ``tel:`` button becomes Zalo's oa.open.phone; other buttons stay quick replies."""

from __future__ import annotations

from channels.base import OutboundMessage
from channels.zalo.connector import ZaloChannel


def test_zalo_turns_a_tel_button_into_open_phone() -> None:
    message = OutboundMessage(
        conversation_id="zalo:xa-demo:123",
        recipient="123",
        text="🚨 GỌI NGAY 115 …",
        buttons=({"title": "📞 Gọi 115", "payload": "tel:115"}, {"title": "Đặt lịch", "payload": "/book_consultation"}),
    )
    (body,) = ZaloChannel().parts(message)
    buttons = body["message"]["attachment"]["payload"]["buttons"]
    assert buttons[0] == {"title": "📞 Gọi 115", "type": "oa.open.phone", "payload": {"phone_code": "115"}}
    assert buttons[1]["type"] == "oa.query.hide" and buttons[1]["payload"] == "/book_consultation"
