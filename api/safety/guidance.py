"""The emergency texts (knowledge/health/cap_cuu.yml, loaded by knowledge/emergency.py) and the call button.

115 is one tap away where the channel can do it: a ``tel:`` link on the web widget, an ``oa.open.phone`` button on
Zalo (channels/zalo/connector.py turns a ``tel:`` payload into one). Telegram bots cannot open the dialler, so there
the number stays in the text, which every situation's text starts with.
"""

from __future__ import annotations

from knowledge.emergency import EmergencyGuide, load_emergency

TAP_TO_CALL_CHANNELS = frozenset({"web", "zalo"})


def guide() -> EmergencyGuide:
    return load_emergency()


def call_buttons(channel: str) -> list[dict[str, str]]:
    emergency = guide()
    if channel not in TAP_TO_CALL_CHANNELS:
        return []
    return [{"title": emergency.call_button, "payload": f"tel:{emergency.phone}"}]
