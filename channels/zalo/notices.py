"""Wire formats of the Zalo messages allowed outside the interaction window: promotion ("tin truyền thông") messages
to a follower, and ZNS template messages to a phone number (their parameters: ``channels/zalo/zns.py``). Which one
may be used is the gateway's decision."""

from __future__ import annotations

import re
from typing import Any

PROMOTION_HEADER_LIMIT = 100
PROMOTION_TEXT_LIMIT = 1000


def promotion_body(recipient: str, *, title: str, text: str, link: str | None) -> dict[str, Any]:
    """A promotion message: a header, the text, and a button opening the link (the bulletin's audio)."""
    elements: list[dict[str, Any]] = [
        {"type": "header", "content": title[:PROMOTION_HEADER_LIMIT]},
        {"type": "text", "align": "left", "content": text[:PROMOTION_TEXT_LIMIT]},
    ]
    payload: dict[str, Any] = {"template_type": "promotion", "language": "VI", "elements": elements}
    if link:
        payload["buttons"] = [
            {"title": "Nghe bản tin", "image_icon": "", "type": "oa.open.url", "payload": {"url": link}}
        ]
    return {"recipient": {"user_id": recipient}, "message": {"attachment": {"type": "template", "payload": payload}}}


def zns_phone(phone: str | None) -> str | None:
    """ZNS addresses Vietnamese numbers as 84xxxxxxxxx: '0912 345 678' and '+84912345678' → '84912345678'."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0") and len(digits) == 10:
        digits = "84" + digits[1:]
    if not (digits.startswith("84") and len(digits) == 11):
        return None
    return digits
