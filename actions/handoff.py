"""Handing the conversation to staff: on request, and after two low-confidence turns in a row."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import clarify
from actions.common import channel, commune_slug, latest_text, recent_user_texts, turn_id
from actions.gateway import GatewayError, gateway
from actions.health import emergency_situation, emergency_text

# The gateway reads this text (accent-insensitive) and gives the conversation back to the bot (docs/conversations.md).
BACK_TO_BOT = {"title": "Quay lại trợ lý ảo", "payload": "Quay lại trợ lý ảo"}


async def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, reason: Text) -> Optional[Dict[Text, Any]]:
    texts = recent_user_texts(tracker, 5)
    payload = {
        "commune": commune_slug(tracker), "kind": "handoff", "category": None, "title": reason,
        "description": "Tin nhắn gần đây của người dân:\n" + "\n".join(f"- {t}" for t in texts),
        "location_text": None, "latitude": None, "longitude": None, "attachments": [], "priority": "normal",
        "conversation_id": tracker.sender_id, "channel": channel(tracker), "turn_id": turn_id(tracker),
        "contact_name": None, "contact_phone": None,
    }  # fmt: skip
    try:
        case = await gateway().create_case(payload)
    except GatewayError:
        dispatcher.utter_message(
            text="Dạ, hiện em chưa kết nối được với cán bộ. Anh/chị vui lòng thử lại sau hoặc gọi điện cho UBND xã ạ."
        )
        return None
    dispatcher.utter_message(
        text=f"Dạ, em đã chuyển cuộc trò chuyện tới cán bộ xã (mã {case.get('code')}). Cán bộ sẽ trả lời anh/chị "
        "ngay tại đây trong giờ làm việc ạ. Muốn hỏi lại trợ lý ảo, anh/chị bấm “Quay lại trợ lý ảo”.",
        buttons=[BACK_TO_BOT],
    )
    return case


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        await hand_over(dispatcher, tracker, "Người dân đề nghị gặp cán bộ")
        return []


def previous_turn_was_fallback(tracker: Tracker) -> bool:
    """True when the user turn before the latest one was also not understood (and answered by this action)."""
    seen_latest = False
    answered_by_fallback = False
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") == "action_fallback" and seen_latest:
            answered_by_fallback = True
        if event.get("event") == "user":
            if not seen_latest:
                seen_latest = True
                continue
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            return intent == "nlu_fallback" and answered_by_fallback
    return False


class ActionFallback(Action):
    def name(self) -> Text:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = latest_text(tracker)
        situation = await emergency_situation(text)
        if situation is not None:  # not understood, but danger words: 115 first, staff second
            dispatcher.utter_message(text=emergency_text(situation))
            await hand_over(dispatcher, tracker, f"KHẨN CẤP (chưa rõ ý): {text[:80]}")
            return []
        if previous_turn_was_fallback(tracker):
            await hand_over(dispatcher, tracker, "Trợ lý ảo chưa hiểu câu hỏi (2 lần liên tiếp)")
            return []
        return clarify(dispatcher, tracker)  # the likely readings as buttons, not a canned answer
