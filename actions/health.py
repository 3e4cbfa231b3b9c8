"""Health: emergencies (the gateway answers them first; these actions cover what reaches Rasa), vetted guidance from
knowledge/health, consultations.

Guidance is quoted from the knowledge files only: no diagnosis, no dose beyond what the text says, always a disclaimer.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import forms
from actions.clarify import clarified_text
from actions.common import (
    channel,
    commune_slug,
    first_entity,
    latest_intent,
    latest_text,
    normalise_phone,
    recent_user_texts,
    turn_id,
)  # fmt: skip
from actions.directory import answer_directory, match_directory
from actions.gateway import GatewayError, gateway
from actions.knowledge import HealthTopic, health_common, match_health_topic
from actions.referrals import cannot_advise_text, health_station, needs_professional
from actions.reports import received_buttons, received_text
from knowledge import health_rules
from knowledge.emergency import load_emergency

BOOKING_BUTTONS = [
    {"title": "Đặt lịch tư vấn", "payload": "/book_consultation"},
    {"title": "Không cần ạ", "payload": "/deny"},
]


UNSURE_EMERGENCY = (
    "Dạ, nếu có người đang gặp nguy hiểm, anh/chị gọi ngay 115 ạ. Anh/chị cho em biết rõ hơn giúp em: ai đang bị gì, "
    "còn tỉnh không, thở được không?"
)


def emergency_text(situation: Optional[Text]) -> Text:
    """The ONE vetted text for the situation (knowledge/health/cap_cuu.yml), never several stitched together."""
    return load_emergency().situation(situation).message()


async def gateway_verdict(text: Text) -> Optional[Dict[Text, Any]]:
    """The gateway's emergency verdict (api/safety/: one lexicon for the whole system); None when it cannot be asked."""
    if not text:
        return None
    try:
        return await gateway().classify_emergency(text)
    except GatewayError:
        return None


async def emergency_situation(text: Text) -> Optional[Text]:
    """The situation when the gateway's lexicon sees an emergency in ``text`` (None otherwise or unreachable)."""
    verdict = await gateway_verdict(text)
    return str(verdict.get("situation") or "chung") if verdict and verdict.get("emergency") else None


class ActionEmergencyAdvice(Action):
    """Rasa only sees a message the gateway did not answer as an emergency (api/safety/flows.py answers those itself,
    in every state). So when the NLU says health_emergency but the gateway's lexicon, asked again here, says no, the
    two disagree: ask, with 115 in the question, instead of raising an alarm. Gateway unreachable: the generic text."""

    def name(self) -> Text:
        return "action_emergency_advice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        verdict = await gateway_verdict(latest_text(tracker))
        if verdict is not None and not verdict.get("emergency"):
            dispatcher.utter_message(text=UNSURE_EMERGENCY)
            return []
        dispatcher.utter_message(text=emergency_text(verdict.get("situation") if verdict else None))
        return []


class ActionEmergencyCase(Action):
    def name(self) -> Text:
        return "action_emergency_case"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = latest_text(tracker)
        verdict = await gateway_verdict(text)
        if verdict is not None and not verdict.get("emergency"):  # asked, not alarmed (ActionEmergencyAdvice)
            return []
        situation = load_emergency().situation(verdict.get("situation") if verdict else None)
        payload = {
            "commune": commune_slug(tracker), "kind": "consultation", "category": None,
            "title": f"KHẨN CẤP – {situation.title}", "description": f"{text}\n(Tình huống: {situation.title})",
            "location_text": None, "latitude": None, "longitude": None, "attachments": [], "priority": "urgent",
            "conversation_id": tracker.sender_id, "channel": channel(tracker), "turn_id": turn_id(tracker),
            "contact_name": None, "contact_phone": normalise_phone(first_entity(tracker, "phone") or text),
        }  # fmt: skip
        try:
            case = await gateway().create_case(payload)
        except GatewayError:
            dispatcher.utter_message(text=load_emergency().notice("station_unreachable"))
            return []
        dispatcher.utter_message(text=load_emergency().notice("station_filed", code=case.get("code")))
        return []


def answer_health(
    dispatcher: CollectingDispatcher, text: Text, station: Optional[Mapping[Text, Text]] = None
) -> List[EventType]:
    """Guidance for the topic in ``text`` (danger signs first), the disclaimer, and the offer to book; a question
    the guidance cannot answer (a dose, a test result, a diagnosis, an unknown topic) gets an honest "cannot advise"
    with the booking offer and the health station's phone."""
    common = health_common()
    if not text or text.startswith("/"):  # the "Hỏi về sức khỏe" button: ask what the question is
        dispatcher.utter_message(text=common["prompt"])
        return []
    # No emergency text here: the gateway answers every emergency before Rasa sees it (api/safety/flows.py), and a
    # fever without danger signs gets the fever guidance and the consultation offer, never "no food or drink".
    topic = match_health_topic(text)
    if topic is None or needs_professional(text):
        buttons = list(BOOKING_BUTTONS)
        if topic is not None:  # general guidance stays one tap away, never passed off as the answer
            buttons.insert(1, {"title": f"Hướng dẫn chung: {topic.title}"[:60], "payload": topic.title})
        dispatcher.utter_message(text=cannot_advise_text(station or health_station(None)), buttons=buttons)
    else:
        first, lead = first_instruction(topic, text), f"Dạ, về {topic.title.lower()}: "
        if first:  # what the citizen said already meets one of the warning's conditions: say so before anything
            dispatcher.utter_message(text=f"Dạ, {first}")
            lead = "Trong lúc chờ đi khám: "
        cited = f"\n(Nguồn: {topic.source})" if topic.source else ""
        dispatcher.utter_message(text=f"{lead}{topic.guidance}{cited}")
        ask = age_question(topic, text)
        dispatcher.utter_message(
            text=f"{ask + chr(10) if ask else ''}{topic.warning}\n({common['disclaimer']})\n{common['offer_booking']}",
            buttons=BOOKING_BUTTONS,
        )
    return [SlotSet("health_question_text", text)]


def first_instruction(topic: HealthTopic, text: Text) -> Optional[Text]:
    """The topic's instruction that applies to what the citizen said (knowledge/health_rules.py)."""
    return health_rules.first_instruction(topic.first_if, text)


def age_question(topic: HealthTopic, text: Text) -> Optional[Text]:
    """The child's age, asked when the message is about a child and does not say it (knowledge/health_rules.py)."""
    return health_rules.age_question(topic.ask_age, topic.child_words, text)


class ActionHealthAnswer(Action):
    def name(self) -> Text:
        return "action_health_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = clarified_text(tracker)
        situation = await emergency_situation(text) if text and not text.startswith("/") else None
        if situation is not None:  # reached Rasa without the gateway's hook: the one emergency text, nothing else
            dispatcher.utter_message(text=emergency_text(situation))
            return []
        entry = match_directory(text)
        if entry is not None and match_health_topic(text) is None and not needs_professional(text):
            done = [SlotSet("clarified_text", None)] if tracker.get_slot("clarified_text") else []
            return [*done, *answer_directory(dispatcher, entry, text)]  # a health-insurance card, not health (#22)
        station = health_station(await gateway().commune(commune_slug(tracker)))
        events = answer_health(dispatcher, text, station)
        return [*events, SlotSet("clarified_text", None)] if tracker.get_slot("clarified_text") else events


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
            "conversation_id": tracker.sender_id, "channel": channel(tracker), "turn_id": turn_id(tracker),
            "contact_name": name, "contact_phone": phone, "consult_time": when,
        }  # fmt: skip
        try:
            case = await gateway().create_case(payload)
        except GatewayError:
            dispatcher.utter_message(
                text="Dạ, hệ thống đang bận nên em chưa đặt được lịch. Anh/chị vui lòng thử lại sau ít phút ạ."
            )
            return []
        dispatcher.utter_message(
            text=received_text(case, noun="yêu cầu tư vấn") + "\n" + appointment_text(case, when=when, phone=phone),
            buttons=received_buttons(case),
        )
        return reset


def appointment_text(case: Dict[Text, Any], *, when: Text, phone: Text) -> Text:
    """The video appointment the gateway booked (api/appointments/): its time and link, or that staff confirm it."""
    appointment = case.get("appointment") or {}
    if appointment.get("video_url") and appointment.get("when_text"):
        return (
            f"Lịch tư vấn từ xa: {appointment['when_text']}. Đến giờ, anh/chị bấm vào đường dẫn để gọi video với cán "
            f"bộ y tế: {appointment['video_url']}\nEm sẽ nhắn nhắc anh/chị trước một ngày và trước 15 phút. "
            "Nhắn “đổi lịch” hoặc “hủy hẹn” nếu cần ạ."
        )
    if appointment:
        return (
            f"Cán bộ y tế sẽ xác nhận giờ hẹn (anh/chị mong muốn: {when}) và gửi đường dẫn gọi video qua đây; "
            f"khi cần, cán bộ gọi số {phone} ạ."
        )
    return f"Cán bộ y tế sẽ gọi số {phone} vào khoảng {when} ạ."
