"""Never answer nonsense: clarifications with the likely readings, acknowledgements only in context, referrals from
knowledge/referrals.yml, and an honest "cannot advise" with the health station's phone (real gateway, conftest)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import (
    ACK_TEXTS,
    CLARIFY_MARK,
    OPEN_PROMPT,
    ActionContextReply,
    bot_spoke_before,
    clarified_text,
)
from actions.handoff import ActionFallback
from actions.health import ActionHealthAnswer
from actions.referrals import CANNOT_ADVISE, ActionRefer, match_referral, needs_professional, referrals
from actions.status import ActionCheckStatus
from tests.actions.conftest import make_tracker, new_sender, slots_of, texts

EARLIER_TURN = [
    {"event": "action", "name": "action_session_start"},
    {"event": "session_started"},
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "khai sinh cần gì", "parse_data": {"intent": {"name": "ask_procedure"}}},
    {"event": "action", "name": "action_answer_procedure"},
    {"event": "bot", "text": "Dạ, giấy tờ cần có…"},
    {"event": "action", "name": "action_listen"},
]


def ranked(text: str, intent: str, ranking: list[tuple[str, float]], **kwargs: Any) -> Tracker:
    tracker = make_tracker(text, intent, **kwargs)
    tracker.latest_message["intent_ranking"] = [{"name": n, "confidence": c} for n, c in ranking]
    return tracker


async def run(action: Any, tracker: Tracker) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher, events


def test_referrals_file_is_complete_and_matches_other_agencies_questions() -> None:
    assert len(referrals()) >= 10 and all(r.agency and r.where and r.keywords for r in referrals())
    cases = {
        "quyet toan thue thu nhap ca nhan o dau": "thue",
        "tôi muốn ly hôn đơn phương thì nộp đơn ở đâu": "toa_an",
        "làm sổ đỏ lần đầu cho đất ông bà để lại": "dat_dai",
        "mất căn cước làm lại ở đâu": "cong_an",
        "rút bảo hiểm xã hội một lần": "bao_hiem",
        "em đang ở Lào, hộ chiếu hết hạn thì hỏi đại sứ quán nào": "nuoc_ngoai",
    }
    for text, expected in cases.items():
        found = match_referral(text)
        assert found is not None and found.id == expected, (text, found)
    assert match_referral("kể chuyện cười đi") is None


def test_professional_questions_are_told_apart_from_general_ones() -> None:
    assert needs_professional("Chỉ số đường huyết 108 có đáng lo không?")
    assert needs_professional("me toi uong metformin co nen giam lieu khong")
    assert needs_professional("Bong võng mạc có chữa được không?")
    assert not needs_professional("bé sốt 38 độ phải làm sao")
    assert not needs_professional("bị tiêu chảy nên ăn uống thế nào")


async def test_out_of_scope_gets_where_to_ask_instead(gateway_url: str) -> None:
    dispatcher, _ = await run(
        ActionRefer(), make_tracker("em muốn thành lập công ty thì nộp hồ sơ ở đâu", "out_of_scope")
    )
    (text,) = texts(dispatcher)
    assert "Đăng ký kinh doanh" in text and "dangkykinhdoanh.gov.vn" in text


async def test_out_of_scope_without_referral_says_honestly_what_the_bot_does(gateway_url: str) -> None:
    dispatcher, _ = await run(ActionRefer(), ranked("kể chuyện cười đi", "out_of_scope", [("out_of_scope", 0.9)]))
    (message,) = dispatcher.messages
    assert "dichvucong.gov.vn" in message["text"] and len(message["buttons"]) == 5


async def test_out_of_scope_with_a_likely_in_scope_reading_asks(gateway_url: str) -> None:
    tracker = ranked("nhà tôi bên cạnh cứ ồn", "out_of_scope", [("out_of_scope", 0.55), ("report_issue", 0.4)])
    dispatcher, events = await run(ActionRefer(), tracker)
    assert CLARIFY_MARK in texts(dispatcher)[0]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/report_issue", "/request_human"]
    assert slots_of(events) == {"clarified_text": "nhà tôi bên cạnh cứ ồn"}


async def test_health_question_needing_a_professional_is_declined_honestly_with_the_phone(gateway_url: str) -> None:
    dispatcher, _ = await run(
        ActionHealthAnswer(), make_tracker("Đường huyết 108 có đáng lo không?", "health_question")
    )
    (message,) = dispatcher.messages
    assert message["text"].startswith(CANNOT_ADVISE) and "0270 3 123 456" in message["text"]
    assert message["buttons"][0]["payload"] == "/book_consultation"
    assert any(b["title"].startswith("Hướng dẫn chung") for b in message["buttons"])  # the general guidance, a tap away


async def test_a_lone_yes_or_thanks_in_a_new_conversation_is_not_acknowledged_as_if_it_had_context() -> None:
    for text, intent in (("vâng", "affirm"), ("không", "deny"), ("cảm ơn nhé", "thank")):
        dispatcher, _ = await run(ActionContextReply(), make_tracker(text, intent))
        assert OPEN_PROMPT in texts(dispatcher)[0] and len(dispatcher.messages[0]["buttons"]) == 5


async def test_a_yes_after_the_bot_spoke_is_acknowledged() -> None:
    tracker = make_tracker("ok", "affirm", events=EARLIER_TURN)
    assert bot_spoke_before(tracker)
    dispatcher, _ = await run(ActionContextReply(), tracker)
    assert texts(dispatcher) == [ACK_TEXTS["affirm"]]


async def test_a_long_question_read_as_deny_gets_the_likely_readings_as_buttons() -> None:
    text = "Bong võng mạc ở người lớn tuổi có chữa được hoàn toàn không ạ"
    ranking = [("deny", 0.5), ("health_question", 0.3), ("report_issue", 0.1)]
    dispatcher, events = await run(ActionContextReply(), ranked(text, "deny", ranking, events=EARLIER_TURN))
    message = dispatcher.messages[0]
    assert "sức khỏe hay muốn phản ánh" in message["text"] and CLARIFY_MARK in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/health_question", "/report_issue", "/request_human"]
    assert slots_of(events) == {"clarified_text": text}


async def test_clarification_buttons_carry_the_entities_understood() -> None:
    tracker = ranked("khai sinh tre", "nlu_fallback", [("nlu_fallback", 0.4), ("ask_procedure", 0.35)])
    tracker.latest_message["entities"] = [{"entity": "procedure", "value": "khai_sinh", "start": 0, "end": 9}]
    dispatcher, _ = await run(ActionFallback(), tracker)
    payload = dispatcher.messages[0]["buttons"][0]["payload"]
    assert payload.startswith("/ask_procedure") and json.loads(payload[len("/ask_procedure") :]) == {
        "procedure": "khai_sinh"
    }


async def test_the_chosen_button_answers_the_original_question(gateway_url: str) -> None:
    tracker = make_tracker("/health_question", "health_question", slots={"clarified_text": "đường huyết 130 cao không"})
    assert clarified_text(tracker) == "đường huyết 130 cao không"
    dispatcher, events = await run(ActionHealthAnswer(), tracker)
    assert CANNOT_ADVISE in texts(dispatcher)[0] and slots_of(events)["clarified_text"] is None


@pytest.mark.parametrize("text", ["tình trạng hồ sơ của tôi", "Bong võng mạc có chữa được không?"])
async def test_check_status_with_no_case_asks_instead_of_a_dead_end(gateway_url: str, text: str) -> None:
    ranking = [("check_status", 0.6), ("health_question", 0.3)]
    dispatcher, _ = await run(ActionCheckStatus(), ranked(text, "check_status", ranking, sender=new_sender()))
    message = dispatcher.messages[0]
    assert "chưa thấy" in message["text"] and CLARIFY_MARK in message["text"]
    assert message["buttons"][0]["payload"] == "/health_question"
