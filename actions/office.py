"""office_info: hours, address, phones and reception schedule from the commune's data on the gateway."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import commune_slug, contains_any, fold, latest_text
from actions.gateway import gateway

TOPICS = {
    "office_hours": ["giờ", "mấy giờ", "làm việc", "mở cửa", "nghỉ trưa", "thứ bảy", "chủ nhật", "giờ hành chính"],
    "address": ["địa chỉ", "ở đâu", "chỗ nào", "đường nào", "trụ sở", "đi đến"],
    "phones": ["số điện thoại", "điện thoại", "sđt", "hotline", "liên hệ", "gọi"],
    "reception_schedule": ["tiếp dân", "tiếp công dân", "gặp chủ tịch", "lịch tiếp"],
}
LABELS = {
    "office_hours": "Giờ làm việc", "address": "Địa chỉ", "phones": "Điện thoại",
    "reception_schedule": "Lịch tiếp công dân",
}  # fmt: skip


def office_text(commune: Dict[Text, Any], text: Text) -> Text:
    folded = fold(text)
    asked = [topic for topic, words in TOPICS.items() if contains_any(folded, words)] or list(TOPICS)
    lines = [f"Dạ, thông tin {commune.get('name') or 'UBND xã'}:"]
    for topic in asked:
        value = commune.get(topic)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value:
            lines.append(f"- {LABELS[topic]}: {value}")
    if len(lines) == 1:
        lines.append("- Hiện xã chưa cập nhật thông tin này, anh/chị vui lòng liên hệ trực tiếp UBND xã ạ.")
    return "\n".join(lines)


class ActionOfficeInfo(Action):
    def name(self) -> Text:
        return "action_office_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        commune = await gateway().commune(commune_slug(tracker))
        if not commune:
            dispatcher.utter_message(text="Dạ, em chưa lấy được thông tin của xã, anh/chị vui lòng thử lại sau ạ.")
            return []
        dispatcher.utter_message(text=office_text(commune, latest_text(tracker)))
        return []
