"""The report form turn by turn (validate_report_form), its questions, and filing the case on a real gateway."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.prompts import AskReportDescription, AskReportLocation
from actions.reports import ActionAskReportConfirmed, ActionSubmitReport, ValidateReportForm, case_payload
from tests.actions.conftest import api, make_tracker, new_sender, slots_of, texts


class Form:
    """Drives validate_report_form like Rasa does: slots carried over, requested_slot set by the action."""

    def __init__(self, sender: str | None = None) -> None:
        self.sender = sender or new_sender()
        self.slots: dict[str, Any] = {}
        self.dispatcher = CollectingDispatcher()
        self.rejected = False

    async def say(self, text: str, intent: str = "nlu_fallback", **kwargs: Any) -> dict[str, Any]:
        self.dispatcher = CollectingDispatcher()
        tracker = make_tracker(text, intent, slots=self.slots, sender=self.sender, active_loop="report_form", **kwargs)
        events = await ValidateReportForm().run(self.dispatcher, tracker, {})
        self.rejected = events == []
        self.slots.update(slots_of(events))
        return slots_of(events)

    @property
    def asking(self) -> str | None:
        return self.slots.get("requested_slot")

    def tracker(self, text: str = "", intent: str = "affirm") -> Any:
        return make_tracker(text, intent, slots=self.slots, sender=self.sender)

    def tracker_with(self, **kwargs: Any) -> Any:
        return make_tracker("", "affirm", slots=self.slots, sender=self.sender, **kwargs)


async def start(text: str, entities: list | None = None, **kwargs: Any) -> Form:
    form = Form()
    await form.say(text, "report_issue", entities=entities, **kwargs)
    return form


async def test_prefills_from_the_first_message_and_asks_the_rest_in_order() -> None:
    form = await start(
        "đèn đường ở ấp 3 bị hư", [{"entity": "category", "value": "chieu_sang"}, {"entity": "hamlet", "value": "ấp 3"}]
    )
    assert form.slots["report_category"] == "chieu_sang"
    assert form.slots["report_location"] == "ấp 3"
    assert form.slots["report_description"] == "đèn đường ở ấp 3 bị hư"
    assert form.asking == "report_photo"
    await form.say("bỏ qua")
    assert form.slots["report_photo"] == [] and form.asking == "report_phone"
    await form.say("sdt 0912 345 678")
    assert form.slots["report_phone"] == "0912345678" and form.asking == "report_confirmed"
    await form.say("/affirm", "affirm")
    assert form.slots["report_confirmed"] is True and form.asking is None


async def test_category_by_button_or_words_and_the_location_prompt_confirms_it() -> None:
    form = await start("toi muon phan anh")
    assert form.asking == "report_description"
    await form.say("ngap nuoc het duong roi")
    assert form.slots["report_category"] == "thoat_nuoc"
    assert form.slots["report_description"] == "ngap nuoc het duong roi" and form.asking == "report_location"
    form = await start("tôi muốn phản ánh")
    await form.say("có chuyện này muốn báo")
    assert form.asking == "report_category"
    await form.say(
        '/report_issue{"category":"moi_truong"}',
        "report_issue",
        entities=[{"entity": "category", "value": "moi_truong"}],
    )
    assert form.slots["report_category"] == "moi_truong" and form.asking == "report_location"
    dispatcher = CollectingDispatcher()
    await AskReportLocation().run(dispatcher, form.tracker(), {})
    assert "Môi trường (rác, ô nhiễm)" in texts(dispatcher)[0]
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "sửa loại sự việc"
    await form.say("sửa loại sự việc")
    assert form.asking == "report_category" and form.slots["report_category"] is None


@pytest.mark.parametrize("opening", ["/report_issue", "Gửi phản ánh", "tôi muốn gửi phản ánh ạ", "em can phan anh"])
async def test_the_report_button_asks_what_happened_and_the_answer_is_not_the_place(opening: str) -> None:
    form = await start(opening)
    assert form.asking == "report_description" and form.slots["report_description"] is None
    dispatcher = CollectingDispatcher()
    await AskReportDescription().run(dispatcher, form.tracker(), {})
    assert "xảy ra việc gì" in texts(dispatcher)[0]
    await form.say("cột điện ngã chắn ngang đường ở ấp 2", entities=[{"entity": "hamlet", "value": "ấp 2"}])
    assert form.slots["report_description"] == "cột điện ngã chắn ngang đường ở ấp 2"
    assert form.slots["report_category"] == "dien_nuoc" and form.slots["report_location"] == "ấp 2"
    assert form.asking == "report_photo"
    case = case_payload(form.tracker())
    assert case["description"] == "cột điện ngã chắn ngang đường ở ấp 2" and case["location_text"] == "ấp 2"


async def test_what_the_channel_cannot_send_is_not_asked_for() -> None:
    no_media = {"commune": "xa-demo", "channel": "web", "capabilities": []}
    form = await start("rác đổ bừa bãi cạnh chợ", [{"entity": "category", "value": "moi_truong"}], metadata=no_media)
    assert form.slots["report_photo"] == [] and form.asking == "report_location"
    dispatcher = CollectingDispatcher()
    await AskReportLocation().run(dispatcher, form.tracker_with(metadata=no_media), {})
    assert "bản đồ" not in texts(dispatcher)[0]
    await form.say("cạnh chợ ấp 1", metadata=no_media)
    assert form.asking == "report_phone"  # no photo question
    widget = {"commune": "xa-demo", "channel": "web", "capabilities": ["image", "location"]}
    form = await start("rác đổ bừa bãi cạnh chợ", [{"entity": "category", "value": "moi_truong"}], metadata=widget)
    assert form.slots.get("report_photo") is None
    dispatcher = CollectingDispatcher()
    await AskReportLocation().run(dispatcher, form.tracker_with(metadata=widget), {})
    assert "gửi vị trí trên bản đồ" in texts(dispatcher)[0]


async def test_shared_location_and_photo_from_channel_metadata() -> None:
    form = await start("có người đổ rác trộm", [{"entity": "category", "value": "moi_truong"}])
    await form.say(
        "[vị trí]", metadata={"message_type": "location", "location": {"latitude": 10.5, "longitude": 106.7}}
    )
    assert (form.slots["report_latitude"], form.slots["report_longitude"]) == (10.5, 106.7)
    assert "10.50000, 106.70000" in form.slots["report_location"] and form.asking == "report_photo"
    assert texts(form.dispatcher) == ["Dạ, em đã nhận vị trí anh/chị chia sẻ trên bản đồ (10.50000, 106.70000)."]
    await form.say("[hình ảnh]", metadata={"message_type": "image", "attachments": ["https://cdn.example/a.jpg"]})
    assert form.slots["report_photo"] == ["https://cdn.example/a.jpg"] and form.asking == "report_phone"
    assert texts(form.dispatcher) == ["Dạ, em đã nhận 1 ảnh anh/chị gửi."]


async def test_a_location_shared_at_the_summary_is_acknowledged_and_changes_the_summary() -> None:
    form = await start("có người đổ rác trộm", [{"entity": "category", "value": "moi_truong"}])
    await form.say("bãi đất trống cuối ấp 4")
    await form.say("[hình ảnh]", metadata={"message_type": "image", "attachments": ["https://cdn.example/a.jpg"]})
    await form.say("0912345678")
    assert form.asking == "report_confirmed" and form.slots.get("report_latitude") is None
    where = {"message_type": "location", "location": {"latitude": 10.5, "longitude": 106.7}}
    await form.say("[vị trí]", metadata=where)
    assert "đã nhận vị trí" in texts(form.dispatcher)[0] and form.slots["report_location"] == "bãi đất trống cuối ấp 4"
    summary = CollectingDispatcher()
    await ActionAskReportConfirmed().run(summary, form.tracker_with(), {})
    assert "- Vị trí trên bản đồ: đã nhận (10.50000, 106.70000)" in texts(summary)[0]


async def test_photo_step_without_a_photo_asks_again() -> None:
    form = await start("cây đổ chắn đường", [{"entity": "category", "value": "giao_thong"}])
    await form.say("đường vào trường ấp 2")
    await form.say("ảnh nè")
    assert form.asking == "report_photo" and "chưa nhận được ảnh" in texts(form.dispatcher)[0]


async def test_invalid_phone_is_refused_and_khong_means_anonymous() -> None:
    form = await start(
        "mất điện cả xóm", [{"entity": "category", "value": "dien_nuoc"}, {"entity": "hamlet", "value": "xóm 2"}]
    )
    await form.say("không có ảnh")
    await form.say("0123")
    assert form.asking == "report_phone" and "chưa đúng" in texts(form.dispatcher)[0]
    await form.say("+84 912 345 678")
    assert form.slots["report_phone"] == "0912345678"
    form = await start(
        "mất điện cả xóm", [{"entity": "category", "value": "dien_nuoc"}, {"entity": "hamlet", "value": "xóm 2"}]
    )
    await form.say("k")
    await form.say("khong", "deny")
    assert form.slots["report_phone"] == "anonymous" and form.asking == "report_confirmed"


@pytest.mark.parametrize("text", ["thôi", "thôi không gửi nữa", "hủy", "huy", "Hủy phản ánh", "thoi khong gui nua"])
async def test_cancel_at_any_step(text: str) -> None:
    form = await start("đèn đường hư", [{"entity": "category", "value": "chieu_sang"}])
    await form.say(text, "deny")
    assert form.slots["report_cancelled"] is True and form.asking is None
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitReport().run(dispatcher, form.tracker(), {})
    assert "đã hủy" in texts(dispatcher)[0]
    assert all(e["value"] is None for e in events)


async def test_a_name_is_not_a_cancellation() -> None:
    form = await start("đèn đường hư", [{"entity": "category", "value": "chieu_sang"}])
    await form.say("truoc nha anh Huy ap 3")
    assert form.slots["report_location"] == "truoc nha anh Huy ap 3" and not form.slots.get("report_cancelled")


async def test_correction_of_the_place_while_asked_something_else() -> None:
    form = await start(
        "cống nghẹt ở ấp 5", [{"entity": "category", "value": "thoat_nuoc"}, {"entity": "hamlet", "value": "ấp 5"}]
    )
    assert form.asking == "report_photo"
    await form.say("không phải, ở ấp 4", "deny", entities=[{"entity": "hamlet", "value": "ấp 4"}])
    assert form.slots["report_location"] == "ấp 4" and form.asking == "report_photo"
    assert texts(form.dispatcher) == ["Dạ, em đã sửa địa điểm thành: ấp 4."]
    await form.say("bỏ qua")
    await form.say("0987654321")
    # At the confirmation, accent-free and without an entity.
    await form.say("khong phai, o gan cho ap 4")
    assert form.slots["report_location"] == "gan cho ap 4" and form.asking == "report_confirmed"


async def test_no_at_confirmation_opens_the_edit_menu() -> None:
    form = await start(
        "đèn đường hư ở ấp 1", [{"entity": "category", "value": "chieu_sang"}, {"entity": "hamlet", "value": "ấp 1"}]
    )
    await form.say("bỏ qua")
    await form.say("không")
    await form.say("/deny", "deny")
    assert form.asking == "report_confirmed" and form.slots["report_editing"] is True
    dispatcher = CollectingDispatcher()
    events = await ActionAskReportConfirmed().run(dispatcher, form.tracker(), {})
    assert "sửa thông tin nào" in texts(dispatcher)[0] and slots_of(events) == {"report_editing": None}
    form.slots.update(slots_of(events))
    await form.say("sửa số điện thoại")
    assert form.asking == "report_phone"
    await form.say("0388123456")
    assert form.asking == "report_confirmed"
    dispatcher = CollectingDispatcher()
    await ActionAskReportConfirmed().run(dispatcher, form.tracker(), {})
    assert "- Liên hệ: 0388123456" in texts(dispatcher)[0] and "Chiếu sáng" in texts(dispatcher)[0]


async def test_a_question_in_the_middle_is_left_to_the_rules() -> None:
    form = await start("ổ gà to giữa đường", [{"entity": "category", "value": "giao_thong"}])
    await form.say("lam khai sinh can gi", "ask_procedure", entities=[{"entity": "procedure", "value": "khai_sinh"}])
    assert form.rejected and form.asking == "report_location"
    await form.say("đường liên ấp 2-3", "report_issue")
    assert form.slots["report_location"] == "đường liên ấp 2-3"


async def test_filed_case_is_real_and_only_visible_to_its_conversation(gateway_url: str) -> None:
    form = await start(
        "đèn đường ấp 3 hư mấy hôm",
        [{"entity": "category", "value": "chieu_sang"}, {"entity": "hamlet", "value": "ấp 3"}],
    )
    await form.say("[hình ảnh]", metadata={"message_type": "image", "attachments": ["https://cdn.example/den.jpg"]})
    await form.say("0912345678")
    await form.say("đúng rồi", "affirm")
    turn = {"turn_id": f"inbox-{uuid.uuid4().hex[:12]}"}  # the gateway's id of the "đúng rồi" message
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitReport().run(dispatcher, form.tracker_with(metadata=turn), {})
    (reply,) = texts(dispatcher)
    assert reply.startswith("Dạ, em đã chuyển phản ánh tới ") and "Thời hạn xử lý dự kiến: trước " in reply
    code = reply.split("Mã phản ánh: ")[1].split(".")[0]
    assert dispatcher.messages[0]["buttons"] == [{"title": "Tra cứu hồ sơ này", "payload": f"kiểm tra {code}"}]
    # The same turn run again (its Rasa replica died before saving it): the same case, not a second one.
    again = CollectingDispatcher()
    await ActionSubmitReport().run(again, form.tracker_with(metadata=turn), {})
    assert f"Mã phản ánh: {code}." in texts(again)[0]
    status, case = api(gateway_url, f"/api/v1/internal/cases/{code}?conversation_id={form.sender}")
    assert status == 200 and case["kind"] == "report" and case["category"] == "chieu_sang"
    assert case["department"] and case["department"]["name"] in reply
    assert all(e["value"] is None for e in events)
    assert api(gateway_url, f"/api/v1/internal/cases/{code}?conversation_id={new_sender()}")[0] == 404


async def test_gateway_down_keeps_the_report_for_a_retry(dead_gateway: None) -> None:
    form = await start(
        "rác ở chợ", [{"entity": "category", "value": "moi_truong"}, {"entity": "hamlet", "value": "chợ ấp 1"}]
    )
    form.slots.update(report_photo=[], report_phone="anonymous", report_confirmed=True)
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitReport().run(dispatcher, form.tracker(), {})
    assert "chưa gửi được" in texts(dispatcher)[0]
    assert slots_of(events) == {"report_confirmed": None, "report_cancelled": None}


@pytest.mark.parametrize(
    ("text", "intent", "interrupts"),
    [
        ("gần chợ ấp 3", "office_info", False),
        ("xã làm việc mấy giờ", "office_info", True),
        ("Nguyễn Thị Hoa", "request_human", False),
        ("cho tôi gặp cán bộ", "request_human", True),
        ("trường tiểu học ấp 2", "ask_procedure", False),
        ("lam khai sinh can giay to gi", "ask_procedure", True),
        ("ba tôi ngất rồi", "health_emergency", True),
    ],
)
async def test_free_text_answers_are_not_taken_for_questions(text: str, intent: str, interrupts: bool) -> None:
    form = await start("rác thải ở đường", [{"entity": "category", "value": "moi_truong"}])
    assert form.asking == "report_location"
    await form.say(text, intent)
    assert form.rejected is interrupts
    assert (form.slots.get("report_location") == text) is not interrupts
