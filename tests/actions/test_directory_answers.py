"""Procedures beyond the commune's own (issue 22): whichever intent the NLU gives them (out_of_scope, a procedure
question, a health question), the five messages of the issue get the right agency, how to file online and the
hand-off button — never the procedure menu or the health refusal; the commune's own questions keep their answers."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.directory import HANDOFF_BUTTON, directory_text, report_button
from actions.health import ActionHealthAnswer
from actions.procedures import ActionAnswerProcedure
from actions.referrals import CANNOT_ADVISE, ActionRefer, match_referral, referral_text
from actions.reports import CATEGORIES, ActionSubmitReport, case_payload
from knowledge.directory import by_id
from tests.actions.conftest import api, make_tracker, slots_of, texts
from tests.actions.test_reports import Form

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
        assert message["buttons"][-1] == HANDOFF_BUTTON  # the hand-off, not the menu of the twelve
        complaint = [report_button(by_id()["thai_san_cham_chi_tra"])] if "thai sản" in text else []
        assert message["buttons"][:-1] == complaint  # unpaid maternity pay: "Gửi phản ánh" too


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


COMPLAINTS = [  # (a complaint about another agency's service or an employer, its directory entry)
    ("sinh con 5 thang roi ma van chua nhan dc tien thai san, goi bhxh ko ai nghe", "thai_san_cham_chi_tra"),
    ("Tôi nghỉ việc 3 tháng rồi mà công ty vẫn giữ sổ bảo hiểm xã hội không trả", "bhxh_chot_so_tra_so"),
    ("cty tru luong hang thang ma khong dong bhxh cho cong nhan", "cong_ty_khong_dong_bhxh"),
    ("chủ xưởng nợ lương công nhân 2 tháng nay rồi", "tranh_chap_lao_dong"),
]


def test_every_complaint_entry_files_into_a_category_the_report_form_knows() -> None:
    complaints = [e for e in by_id().values() if e.complaint]
    assert complaints and all(e.category in CATEGORIES for e in complaints), [e.id for e in complaints]


@pytest.mark.parametrize("text, entry_id", COMPLAINTS)
async def test_a_complaint_is_offered_as_a_report_of_its_category_and_referred(text: str, entry_id: str) -> None:
    entry = by_id()[entry_id]
    for intent, action in ACTIONS.items():
        dispatcher = CollectingDispatcher()
        events = await action().run(dispatcher, make_tracker(text, intent), {})
        (message,) = dispatcher.messages
        assert entry.agency in message["text"] and "Gửi phản ánh" in message["text"], intent  # the referral stays
        assert message["buttons"] == [
            {"title": "Gửi phản ánh", "payload": f'/report_issue{{"category": "{entry.category}"}}'},
            HANDOFF_BUTTON,
        ]
        assert slots_of(events)["clarified_text"] == text, intent  # the citizen's words wait for the form


async def test_the_complaint_pressed_into_a_report_is_filed_in_its_category(gateway_url: str) -> None:
    """The button's payload starts the report form: the complaint is its description, the category the entry's; the
    case is routed by the category's rule (api/cases/seed.py: labour and social insurance → Văn hóa – Xã hội)."""
    text, entry_id = COMPLAINTS[0]
    dispatcher = CollectingDispatcher()
    form = Form()
    events = await ActionRefer().run(dispatcher, make_tracker(text, "out_of_scope", sender=form.sender), {})
    form.slots.update(slots_of(events))
    category = by_id()[entry_id].category
    await form.say(f'/report_issue{{"category": "{category}"}}', "report_issue",
                   entities=[{"entity": "category", "value": category}])  # fmt: skip
    assert form.slots["report_description"] == text and form.slots["report_category"] == category
    assert form.slots["clarified_text"] is None and form.asking == "report_location"
    await form.say("ấp 2")
    await form.say("[hình ảnh]", metadata={"message_type": "image", "attachments": ["https://cdn.example/a.jpg"]})
    await form.say("0912345678")
    await form.say("đúng rồi", "affirm")
    assert case_payload(form.tracker_with())["description"] == text
    filed = CollectingDispatcher()
    await ActionSubmitReport().run(filed, form.tracker_with(), {})
    code = texts(filed)[0].split("Mã phản ánh: ")[1].split(".")[0]
    status, case = api(gateway_url, f"/api/v1/internal/cases/{code}?conversation_id={form.sender}")
    assert status == 200 and case["category"] == category and case["category_label"] == "Lao động, bảo hiểm xã hội"
    assert case["department"]["name"] == "Văn hóa – Xã hội"
