"""Conversation housekeeping shared by the topics."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import CAPABILITIES
from actions.common import commune_slug
from actions.gateway import gateway
from actions.health import CONSULT_SLOTS
from actions.reports import ALL_SLOTS as REPORT_SLOTS


class ActionGreet(Action):
    """A short greeting that names the commune (from the gateway, cached) and offers what the bot can do."""

    def name(self) -> Text:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        buttons = [*CAPABILITIES[:4], SUBSCRIBE_BUTTON]
        if already_introduced(tracker):  # "xin chào" right after the greeting: no second introduction
            dispatcher.utter_message(text="Dạ, em chào anh/chị ạ! Anh/chị cần em hỗ trợ gì ạ?", buttons=buttons)
            return []
        commune = await gateway().commune(commune_slug(tracker))
        office = (commune or {}).get("name") or "UBND xã"
        dispatcher.utter_message(
            text=f"Dạ, em chào anh/chị ạ! Em là trợ lý ảo của {office}. Em có thể hướng dẫn thủ tục hành chính, "
            "nhận phản ánh, giải đáp sức khỏe thường gặp, tra cứu hồ sơ và gửi thông báo của xã. "
            "Anh/chị cần em hỗ trợ gì ạ?",
            buttons=buttons,
        )
        return []


# The gateway subscribes on these words before the bot sees them (api/subscriptions/commands.py).
SUBSCRIBE_BUTTON = {"title": "Đăng ký nhận tin", "payload": "đăng ký nhận tin"}
INTRO_MARK = "Em là trợ lý ảo của"


def already_introduced(tracker: Tracker) -> bool:
    """The bot introduced itself in this session (since the last session start)."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "session_started":
            return False
        if event.get("event") == "bot" and INTRO_MARK in (event.get("text") or ""):
            return True
    return False


class ActionClearForms(Action):
    """Forget a half-filled report or booking (after an emergency or a handoff interrupted it)."""

    def name(self) -> Text:
        return "action_clear_forms"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return [SlotSet(slot, None) for slot in (*REPORT_SLOTS, *CONSULT_SLOTS) if tracker.get_slot(slot) is not None]
