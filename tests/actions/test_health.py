"""Health: 115 first, an urgent case for the health station, vetted guidance, and the consultation booking."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.health import (
    UNSURE_EMERGENCY,
    ActionEmergencyAdvice,
    ActionEmergencyCase,
    ActionHealthAnswer,
    ActionSubmitConsultation,
    ValidateConsultationForm,
)  # fmt: skip
from actions.knowledge import health_topics
from tests.actions.conftest import api, make_tracker, new_sender, slots_of, texts


async def test_emergency_advice_is_the_one_text_of_the_situation(gateway_url: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionEmergencyAdvice().run(
        dispatcher, make_tracker("cuu voi ba toi dau nguc kho tho", "health_emergency"), {}
    )
    (text,) = texts(dispatcher)  # one text: chest pain, not chest pain + breathing + choking stitched together
    assert text.index("115") < 120 and "nửa nằm nửa ngồi" in text and "Nguồn:" in text
    assert "ép bụng" not in text and "không cho ăn uống gì" not in text and len(text) < 600


async def test_emergency_advice_with_the_gateway_down_is_the_generic_text(dead_gateway: None) -> None:
    dispatcher = CollectingDispatcher()
    await ActionEmergencyAdvice().run(dispatcher, make_tracker("cuu voi ba toi dau nguc", "health_emergency"), {})
    (text,) = texts(dispatcher)
    assert text.index("115") < 40 and "Nguồn:" in text


async def test_nlu_alarm_the_lexicon_does_not_share_asks_instead_of_alarming(gateway_url: str) -> None:
    sender = new_sender()
    tracker = make_tracker("hong nha, đang bận ăn mì gói", "health_emergency", sender=sender)
    advice, case = CollectingDispatcher(), CollectingDispatcher()
    await ActionEmergencyAdvice().run(advice, tracker, {})
    await ActionEmergencyCase().run(case, tracker, {})
    assert texts(advice) == [UNSURE_EMERGENCY] and texts(case) == []
    status, cases = api(gateway_url, f"/api/v1/internal/cases?conversation_id={sender}")
    assert status == 200 and cases["items"] == []


async def test_emergency_case_is_urgent_and_goes_to_health_workers(gateway_url: str) -> None:
    sender = new_sender()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("con tôi co giật, sđt 0912345678", "health_emergency", sender=sender)
    await ActionEmergencyCase().run(dispatcher, tracker, {})
    code = texts(dispatcher)[0].split("(mã ")[1].split(")")[0]
    status, cases = api(gateway_url, f"/api/v1/internal/cases?conversation_id={sender}")
    assert status == 200 and [c["code"] for c in cases["items"]] == [code]
    assert cases["items"][0]["kind"] == "consultation" and cases["items"][0]["title"].startswith("KHẨN CẤP")
    assert cases["items"][0]["department"]["name"] == "Trạm Y tế"  # routed to the health workers


async def test_emergency_case_failure_repeats_115(dead_gateway: None) -> None:
    dispatcher = CollectingDispatcher()
    await ActionEmergencyCase().run(dispatcher, make_tracker("ngộ độc", "health_emergency"), {})
    assert "115" in texts(dispatcher)[0]


async def test_guidance_with_warning_disclaimer_and_booking_offer() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionHealthAnswer().run(
        dispatcher, make_tracker("be bi sot xuat huyet thi sao", "health_question"), {}
    )
    guidance, offer = dispatcher.messages
    assert "không dùng aspirin" in guidance["text"]
    assert "không thay cho khám và chẩn đoán" in offer["text"] and "đặt lịch tư vấn" in offer["text"]
    assert offer["buttons"][0]["payload"] == "/book_consultation"
    assert slots_of(events) == {"health_question_text": "be bi sot xuat huyet thi sao"}


async def test_unknown_health_topic_offers_a_consultation_instead_of_guessing() -> None:
    dispatcher = CollectingDispatcher()
    await ActionHealthAnswer().run(dispatcher, make_tracker("tôi bị đau khớp gối", "health_question"), {})
    (message,) = dispatcher.messages
    assert "không thể tư vấn chuyên môn" in message["text"] and message["buttons"][0]["payload"] == "/book_consultation"


@pytest.mark.parametrize("topic", sorted(health_topics()))
async def test_every_topic_message_is_short(topic: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionHealthAnswer().run(dispatcher, make_tracker(health_topics()[topic].keywords[0], "health_question"), {})
    assert len(dispatcher.messages) == 2 and all(len(t) < 600 for t in texts(dispatcher))


async def consult(slots: dict[str, Any], text: str, intent: str = "nlu_fallback", sender: str = "") -> dict[str, Any]:
    tracker = make_tracker(text, intent, slots=slots, sender=sender or None, active_loop="consultation_form")
    events = await ValidateConsultationForm().run(CollectingDispatcher(), tracker, {})
    slots.update(slots_of(events))
    return slots_of(events)


async def test_booking_after_a_question_files_a_consultation_case(gateway_url: str) -> None:
    sender = new_sender()
    slots: dict[str, Any] = {"health_question_text": "huyết áp cao nên ăn gì"}
    await consult(slots, "/affirm", "affirm", sender)
    assert slots["consult_problem"] == "huyết áp cao nên ăn gì" and slots["requested_slot"] == "consult_name"
    await consult(slots, "Nguyễn Văn An", sender=sender)
    await consult(slots, "0909 123 456", sender=sender)
    await consult(slots, "sáng mai", sender=sender)
    assert slots["requested_slot"] is None
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitConsultation().run(dispatcher, make_tracker("sáng mai", slots=slots, sender=sender), {})
    reply = texts(dispatcher)[0]
    assert "Mã yêu cầu tư vấn:" in reply and "0909123456" in reply and "sáng mai" in reply
    assert "Cán bộ y tế sẽ xác nhận giờ hẹn" in reply and "meet.jit.si" not in reply  # no hour: staff set it
    status, cases = api(gateway_url, f"/api/v1/internal/cases?conversation_id={sender}")
    assert status == 200 and cases["items"][0]["kind"] == "consultation"
    assert cases["items"][0]["department"]["name"] == "Trạm Y tế"
    assert all(e["value"] is None for e in events)


def _weekday_ahead(days: int) -> date:
    """A Monday-to-Friday day at least ``days`` ahead (the station's usual office days)."""
    day = date.today() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def test_a_booking_at_a_readable_time_gets_its_video_link(gateway_url: str) -> None:
    sender = new_sender()
    day = _weekday_ahead(8)
    slots: dict[str, Any] = {
        "consult_problem": "đau lưng", "consult_name": "Phạm Văn Hùng", "consult_phone": "0909123456",
        "consult_time": f"{day:%d/%m/%Y} lúc 9 giờ", "requested_slot": None,
    }  # fmt: skip
    dispatcher = CollectingDispatcher()
    await ActionSubmitConsultation().run(dispatcher, make_tracker("9 giờ", slots=slots, sender=sender), {})
    reply = texts(dispatcher)[0]
    assert "Lịch tư vấn từ xa: 09:00" in reply and f"{day:%d/%m/%Y}" in reply
    assert "https://meet.jit.si/xaso-xa-demo-" in reply and "“đổi lịch”" in reply


async def test_booking_refuses_a_bad_phone_and_can_be_cancelled() -> None:
    slots: dict[str, Any] = {}
    await consult(slots, "đặt lịch tư vấn", "book_consultation")
    assert slots["requested_slot"] == "consult_problem"
    await consult(slots, "con tôi bị ho lâu ngày", "health_question")  # the problem, not an interruption
    assert slots["consult_problem"] == "con tôi bị ho lâu ngày"
    await consult(slots, "Trần Thị Bình")
    await consult(slots, "12345")
    assert slots["requested_slot"] == "consult_phone"
    await consult(slots, "thôi không đặt nữa", "deny")
    assert slots["consult_cancelled"] is True and slots["requested_slot"] is None
    dispatcher = CollectingDispatcher()
    await ActionSubmitConsultation().run(dispatcher, make_tracker("", slots=slots), {})
    assert "đã hủy" in texts(dispatcher)[0]


async def test_danger_signs_in_a_health_question_get_the_one_emergency_text(gateway_url: str) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("bé sốt cao bị co giật phải làm sao", "health_question")
    await ActionHealthAnswer().run(dispatcher, tracker, {})
    (only,) = texts(dispatcher)  # the seizure text alone: no fever guidance stitched after it
    assert only.index("115") < 40 and "nằm nghiêng" in only and "Nguồn:" in only


async def test_fever_without_danger_signs_gets_fever_guidance_never_no_food_or_drink(gateway_url: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionHealthAnswer().run(dispatcher, make_tracker("con em sốt 39 độ từ hôm qua", "health_question"), {})
    guidance, offer = texts(dispatcher)
    assert guidance.startswith("Dạ, về sốt ở trẻ em:") and "uống nhiều nước" in guidance
    assert "115" not in guidance and "không cho ăn uống" not in guidance + offer
    assert "đặt lịch tư vấn" in offer


async def test_a_name_that_looks_like_a_request_for_staff_is_a_name() -> None:
    slots: dict[str, Any] = {"consult_problem": "ho lâu ngày"}
    await consult(slots, "/book_consultation", "book_consultation")
    assert slots["requested_slot"] == "consult_name"
    await consult(slots, "Nguyễn Thị Hoa", "request_human")
    assert slots["consult_name"] == "Nguyễn Thị Hoa" and slots["requested_slot"] == "consult_phone"


async def test_diarrhoea_for_two_days_says_go_to_a_clinic_first_and_asks_the_childs_age() -> None:
    dispatcher = CollectingDispatcher()
    await ActionHealthAnswer().run(dispatcher, make_tracker("con em bị tiêu chảy 2 ngày rồi", "health_question"), {})
    first, guidance, offer = texts(dispatcher)
    assert first.startswith("Dạ, tiêu chảy đã 2 ngày trở lên") and "ngay trong hôm nay" in first  # the one that applies
    assert guidance.startswith("Trong lúc chờ đi khám:") and "oresol" in guidance
    assert "Nguồn: Bộ Y tế, Hướng dẫn xử trí tiêu chảy ở trẻ em" in guidance and "The treatment" not in guidance
    assert offer.startswith("Cháu được mấy tháng hay mấy tuổi") and "đặt lịch tư vấn" in offer
    dispatcher = CollectingDispatcher()
    await ActionHealthAnswer().run(dispatcher, make_tracker("bé 8 tháng bị tiêu chảy", "health_question"), {})
    guidance, offer = texts(dispatcher)  # one day, age given: the usual two bubbles, no question
    assert guidance.startswith("Dạ, về tiêu chảy") and "Cháu được mấy tháng" not in offer
