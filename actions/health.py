"""Health: emergencies first ("gọi 115" before anything else), vetted guidance from knowledge/health, consultations.

Guidance is quoted from the knowledge files only: no diagnosis, no dose beyond what the text says, always a disclaimer.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import forms
from actions.common import (
    channel,
    commune_slug,
    first_entity,
    latest_intent,
    latest_text,
    normalise_phone,
    recent_user_texts,
)  # fmt: skip
from actions.gateway import GatewayError, gateway
from actions.knowledge import emergency, emergency_situations, health_common, match_health_topic
from actions.reports import received_text

BOOKING_BUTTONS = [
    {"title": "Đặt lịch tư vấn", "payload": "/book_consultation"},
    {"title": "Không cần ạ", "payload": "/deny"},
]


def emergency_text(text: Text) -> Text:
    data = emergency()
    steps = [s["steps"] for s in emergency_situations(text)[:2]] + [data["steps"]]
    return f"Dạ, đây có thể là tình huống cấp cứu. {data['call']}\nTrong lúc chờ: " + " ".join(steps)


class ActionEmergencyAdvice(Action):
    """No network here: the 115 advice goes out even when every other part is down."""

    def name(self) -> Text:
        return "action_emergency_advice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(text=emergency_text(latest_text(tracker)))
        return []


class ActionEmergencyCase(Action):
    def name(self) -> Text:
        return "action_emergency_case"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = latest_text(tracker)
        situations = ", ".join(s["id"] for s in emergency_situations(text)) or "không rõ"
        payload = {
            "commune": commune_slug(tracker), "kind": "consultation", "category": None,
            "title": f"KHẨN CẤP: {text[:80]}", "description": f"{text}\n(Tình huống: {situations})",
            "location_text": None, "latitude": None, "longitude": None, "attachments": [], "priority": "urgent",
            "conversation_id": tracker.sender_id, "channel": channel(tracker), "contact_name": None,
            "contact_phone": normalise_phone(first_entity(tracker, "phone") or text),
        }  # fmt: skip
        try:
            case = await gateway().create_case(payload)
        except GatewayError:
            dispatcher.utter_message(text="Dạ, em chưa báo được trạm y tế xã. Anh/chị hãy gọi 115 ngay ạ.")
            return []
        dispatcher.utter_message(
            text=f"Em đã báo trạm y tế xã (mã {case.get('code')}). Cán bộ y tế sẽ liên hệ qua cuộc trò chuyện "
            "này; anh/chị nhắn thêm địa chỉ và số điện thoại nếu có thể ạ."
        )
        return []


def answer_health(dispatcher: CollectingDispatcher, text: Text) -> List[EventType]:
    """Guidance for the topic in ``text`` (danger signs first), the disclaimer, and the offer to book."""
    common = health_common()
    if not text or text.startswith("/"):  # the "Hỏi về sức khỏe" button: ask what the question is
        dispatcher.utter_message(text=common["prompt"])
        return []
    if emergency_situations(text):  # safety first: danger signs get the 115 advice before any guidance
        dispatcher.utter_message(text=emergency_text(text))
    topic = match_health_topic(text)
    if topic is None:
        dispatcher.utter_message(text=common["unknown"], buttons=BOOKING_BUTTONS)
    else:
        dispatcher.utter_message(text=f"Dạ, về {topic.title.lower()}: {topic.guidance}")
        dispatcher.utter_message(
            text=f"{topic.warning}\n({common['disclaimer']})\n{common['offer_booking']}", buttons=BOOKING_BUTTONS
        )
    return [SlotSet("health_question_text", text)]


class ActionHealthAnswer(Action):
    def name(self) -> Text:
        return "action_health_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return answer_health(dispatcher, latest_text(tracker))


CONSULT_ORDER = ("consult_problem", "consult_name", "consult_phone", "consult_time")
CONSULT_SLOTS = (*CONSULT_ORDER, "consult_cancelled")


class ValidateConsultationForm(Action):
    def name(self) -> Text:
        return "validate_consultation_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        if forms.is_cancel(text):
            return [SlotSet("consult_cancelled", True), SlotSet("requested_slot", None)]
        updates: Dict[Text, Any] = {}
        phone = normalise_phone(first_entity(tracker, "phone")) or normalise_phone(text)
        if requested is None:
            updates["consult_cancelled"] = None
            if match_health_topic(text) and not text.startswith("/"):
                updates["consult_problem"] = text
            elif tracker.get_slot("health_question_text"):
                updates["consult_problem"] = tracker.get_slot("health_question_text")
            if phone:
                updates["consult_phone"] = phone
            return forms.slot_events(updates, CONSULT_ORDER, tracker)
        intent = latest_intent(tracker)
        if forms.is_interruption(tracker) and not (requested == "consult_problem" and intent == "health_question"):
            return []
        if requested == "consult_phone":
            if phone is None:
                dispatcher.utter_message(
                    text="Dạ, số điện thoại chưa đúng (ví dụ 0912345678). Anh/chị nhập lại giúp em ạ."
                )
            updates["consult_phone"] = phone
        elif requested in CONSULT_ORDER:
            value = text.strip() if text and not text.startswith("/") else None
            updates[requested] = value[:500] if value else None
            if phone and requested != "consult_phone":
                updates["consult_phone"] = phone
        return forms.slot_events(updates, CONSULT_ORDER, tracker)


class ActionSubmitConsultation(Action):
    def name(self) -> Text:
        return "action_submit_consultation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reset = [SlotSet(slot, None) for slot in (*CONSULT_SLOTS, "health_question_text")]
        if tracker.get_slot("consult_cancelled") or any(tracker.get_slot(s) is None for s in CONSULT_ORDER):
            dispatcher.utter_message(text="Dạ, em đã hủy đặt lịch tư vấn. Khi cần, anh/chị cứ nhắn lại ạ.")
            return reset
        name, phone, when = (tracker.get_slot(s) for s in ("consult_name", "consult_phone", "consult_time"))
        problem = tracker.get_slot("consult_problem")
        payload = {
            "commune": commune_slug(tracker), "kind": "consultation", "category": None,
            "title": f"Tư vấn từ xa: {problem[:80]}",
            "description": f"Vấn đề: {problem}\nThời gian mong muốn: {when}\nTin nhắn gần đây: "
            + " | ".join(recent_user_texts(tracker, 3)),
            "location_text": None, "latitude": None, "longitude": None, "attachments": [], "priority": "normal",
            "conversation_id": tracker.sender_id, "channel": channel(tracker), "contact_name": name,
            "contact_phone": phone,
        }  # fmt: skip
        try:
            case = await gateway().create_case(payload)
        except GatewayError:
            dispatcher.utter_message(
                text="Dạ, hệ thống đang bận nên em chưa đặt được lịch. Anh/chị vui lòng thử lại sau ít phút ạ."
            )
            return []
        dispatcher.utter_message(
            text=received_text(case, noun="yêu cầu tư vấn") + f"\nCán bộ y tế sẽ gọi số {phone} vào khoảng {when} ạ."
        )
        return reset
