"""Wire formats of the Zalo messages allowed outside the interaction window: promotion ("tin truyền thông") messages
to a follower, and ZNS template messages to a phone number. Which one may be used is the gateway's decision."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

PROMOTION_HEADER_LIMIT = 100
PROMOTION_TEXT_LIMIT = 1000
ZNS_PARAM_LIMIT = 100  # template parameters are short strings; the exact limit depends on the parameter's type


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


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def template_data(
    params: Mapping[str, str], context: Mapping[str, Any], *, limit: int = ZNS_PARAM_LIMIT
) -> dict[str, str]:
    """Each template parameter filled from its pattern ("{case_code}", "Hồ sơ {case_code}") and the message's
    context; unknown fields become empty, every value is cut to the parameter limit."""
    values = _Blank({k: "" if v is None else str(v) for k, v in context.items()})
    formatter = string.Formatter()
    data = {}
    for name, pattern in params.items():
        try:
            value = formatter.vformat(str(pattern), (), values)
        except (ValueError, IndexError, AttributeError):
            value = str(pattern)
        data[str(name)] = " ".join(value.split())[:limit]
    return data
