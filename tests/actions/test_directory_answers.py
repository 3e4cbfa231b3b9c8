"""Procedures beyond the commune's own (issue 22): whichever intent the NLU gives them (out_of_scope, a procedure
question, a health question), the five messages of the issue get the right agency, how to file online and the
hand-off button — never the procedure menu or the health refusal; the commune's own questions keep their answers."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.directory import HANDOFF_BUTTON, directory_text
from actions.health import ActionHealthAnswer
from actions.procedures import ActionAnswerProcedure
from actions.referrals import CANNOT_ADVISE, ActionRefer, match_referral, referral_text
from knowledge.directory import by_id
from tests.actions.conftest import make_tracker

ISSUE_MESSAGES = [
    ("Con tôi mới sinh được hai tháng, nay muốn làm hộ chiếu để cháu đi du lịch…", "Quản lý xuất nhập cảnh"),
    ("Gia hạn thẻ BHYT", "Bảo hiểm xã hội cơ sở"),
    ("Sinh con từ ngày 6 tháng 12 năm 2022 nhưng chưa được tiền thai sản", "Bảo hiểm xã hội cơ sở"),
    ("Trình tự thu hồi đất do người sử dụng đất tự nguyện trả lại đất?", "UBND xã quyết định thu hồi"),
    ("Tôi muốn nhận lại tiền tạm ứng án phí thì cần những giấy tờ gì?", "thi hành án dân sự"),
]
ACTIONS = {"out_of_scope": ActionRefer, "ask_procedure": ActionAnswerProcedure, "health_question": ActionHealthAnswer}


async def reply(action: Any, text: str, intent: str) -> dict[str, Any]:
    """The first message (a health answer may send its guidance in more than one)."""
    dispatcher = CollectingDispatcher()
    await action().run(dispatcher, make_tracker(text, intent), {})
    return dispatcher.messages[0]


@pytest.mark.parametrize("intent", sorted(ACTIONS))
async def test_the_issue_messages_get_the_agency_whatever_the_intent(gateway_url: str, intent: str) -> None:
    for text, agency in ISSUE_MESSAGES:
        message = await reply(ACTIONS[intent], text, intent)
        assert agency in message["text"], (intent, text, message["text"])
        assert "Căn cứ" in message["text"] and CANNOT_ADVISE not in message["text"]
        assert message["buttons"] == [HANDOFF_BUTTON]  # the hand-off, not the menu of the twelve


def test_the_answer_says_who_how_online_and_what_the_commune_does() -> None:
    passport = directory_text(by_id()["ho_chieu"])
    assert "không phải thủ tục của UBND xã" in passport and "định danh điện tử mức 2" in passport
    assert "Bộ phận một cửa của UBND xã" in passport and "Cần chuẩn bị" in passport
    business = directory_text(by_id()["ho_kinh_doanh"])
    assert "UBND xã giải quyết" in business and "không phải thủ tục" not in business
    complaint = directory_text(by_id()["bhxh_chot_so_tra_so"])
    assert "Thanh tra Sở Nội vụ" in complaint and "cán bộ xã" in complaint


def test_a_referral_the_commune_handles_does_not_contradict_itself() -> None:
    referral = match_referral("giấy phép kinh doanh ngành nghề")
    assert referral is not None and referral.id == "ho_kinh_doanh"
    assert "không do trợ lý của xã giải quyết" not in referral_text(referral)


async def test_the_communes_own_questions_keep_their_answers(gateway_url: str) -> None:
    birth = await reply(ActionAnswerProcedure, "làm giấy khai sinh cho con cần giấy tờ gì", "ask_procedure")
    assert "khai sinh" in birth["text"].lower() and birth["buttons"] != [HANDOFF_BUTTON]
    fever = await reply(ActionHealthAnswer, "bé bị sốt 38 độ phải làm sao", "health_question")
    assert fever.get("buttons") != [HANDOFF_BUTTON] and "Căn cứ: Điều" not in fever["text"]
