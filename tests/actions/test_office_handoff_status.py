"""Office information from the commune's data, handing over to staff, the fallback, and status checks."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionFallback, ActionHandoff
from actions.office import ActionOfficeInfo
from actions.reports import ActionSubmitReport
from actions.status import ActionCheckStatus
from tests.actions.conftest import api, make_tracker, new_sender, staff_reply, texts


async def run(action: object, tracker: object) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker, {})  # type: ignore[attr-defined]
    return dispatcher


async def test_office_hours_only_when_hours_are_asked(gateway_url: str) -> None:
    (text,) = texts(await run(ActionOfficeInfo(), make_tracker("xa lam viec may gio", "office_info")))
    assert text.startswith("Dạ, thông tin UBND xã Hòa Bình:") and "Giờ làm việc: Sáng 7h00" in text
    assert "Địa chỉ" not in text


async def test_office_everything_when_nothing_specific_is_asked(gateway_url: str) -> None:
    (text,) = texts(await run(ActionOfficeInfo(), make_tracker("thông tin ubnd xã", "office_info")))
    assert all(label in text for label in ("Giờ làm việc", "Địa chỉ", "Điện thoại", "Lịch tiếp công dân"))
    assert "0270 3 123 456" in text and len(text) < 600


async def test_office_info_for_an_unknown_commune_says_so(gateway_url: str) -> None:
    tracker = make_tracker("giờ làm việc", "office_info", metadata={"commune": "xa-khong-co"})
    assert "chưa lấy được" in texts(await run(ActionOfficeInfo(), tracker))[0]


async def test_request_human_opens_a_handoff_case(gateway_url: str) -> None:
    sender = new_sender()
    events = [{"event": "user", "text": "hỏi mãi không được", "parse_data": {"intent": {"name": "out_of_scope"}}}]
    dispatcher = await run(
        ActionHandoff(), make_tracker("cho gặp cán bộ", "request_human", sender=sender, events=events)
    )
    assert "chuyển cuộc trò chuyện tới cán bộ" in texts(dispatcher)[0]
    status, cases = api(gateway_url, f"/api/v1/internal/cases?conversation_id={sender}")
    assert status == 200 and cases["items"][0]["kind"] == "handoff"


async def test_one_fallback_helps_the_second_in_a_row_hands_over(gateway_url: str) -> None:
    sender = new_sender()
    first = await run(ActionFallback(), make_tracker("asdf", "nlu_fallback", sender=sender))
    assert "chưa hiểu" in texts(first)[0] and len(first.messages[0]["buttons"]) == 5
    history = [
        {"event": "user", "text": "asdf", "parse_data": {"intent": {"name": "nlu_fallback"}}},
        {"event": "action", "name": "action_fallback"},
        {"event": "action", "name": "action_listen"},
    ]
    second = await run(ActionFallback(), make_tracker("qwer zxcv", "nlu_fallback", sender=sender, events=history))
    assert "chuyển cuộc trò chuyện tới cán bộ" in texts(second)[0]
    assert api(gateway_url, f"/api/v1/internal/cases?conversation_id={sender}")[1]["items"][0]["kind"] == "handoff"
    # A fallback after an understood turn starts counting again.
    history.insert(2, {"event": "user", "text": "chào", "parse_data": {"intent": {"name": "greet"}}})
    third = await run(ActionFallback(), make_tracker("???", "nlu_fallback", sender=new_sender(), events=history))
    assert "chưa hiểu" in texts(third)[0]


async def file_report(sender: str) -> str:
    slots = {
        "report_category": "giao_thong", "report_location": "cầu khỉ ấp 2", "report_photo": [],
        "report_phone": "anonymous", "report_confirmed": True, "report_description": "cầu khỉ gãy tay vịn",
    }  # fmt: skip
    dispatcher = await run(ActionSubmitReport(), make_tracker("đúng", "affirm", slots=slots, sender=sender))
    return texts(dispatcher)[0].split("Mã phản ánh: ")[1].split(".")[0]


async def test_status_by_code_and_my_reports_only_for_their_own_conversation(gateway_url: str) -> None:
    sender = new_sender()
    code = await file_report(sender)
    by_code = texts(
        await run(ActionCheckStatus(), make_tracker(f"kiem tra {code.lower()}", "check_status", sender=sender))
    )
    assert by_code[0].startswith(f"Dạ, hồ sơ {code}: ") and "Hạn xử lý" in by_code[0]
    mine = texts(await run(ActionCheckStatus(), make_tracker("phản ánh của tôi", "check_status", sender=sender)))
    assert code in mine[0]
    stranger = new_sender()
    other = texts(await run(ActionCheckStatus(), make_tracker(f"kiểm tra {code}", "check_status", sender=stranger)))
    assert "không tìm thấy" in other[0]
    none = texts(await run(ActionCheckStatus(), make_tracker("phản ánh của tôi", "check_status", sender=stranger)))
    assert "chưa thấy" in none[0]


async def test_status_when_the_gateway_is_down(dead_gateway: None) -> None:
    assert "đang bận" in texts(await run(ActionCheckStatus(), make_tracker("PA-2026-000001", "check_status")))[0]


async def test_not_understood_but_dangerous_gets_115_and_staff(gateway_url: str) -> None:
    sender = new_sender()
    dispatcher = await run(ActionFallback(), make_tracker("ong toi ngat xiu roi", "nlu_fallback", sender=sender))
    first, second = texts(dispatcher)
    assert "115" in first and "chuyển cuộc trò chuyện tới cán bộ" in second
    assert api(gateway_url, f"/api/v1/internal/cases?conversation_id={sender}")[1]["items"][0]["kind"] == "handoff"


async def test_status_shows_the_officers_last_public_reply(gateway_url: str) -> None:
    sender = new_sender()
    code = await file_report(sender)
    staff_reply(gateway_url, code, "Xã đã cử người sửa tay vịn cầu, dự kiến xong trong tuần.")
    (text,) = texts(
        await run(ActionCheckStatus(), make_tracker(f"hồ sơ {code} sao rồi", "check_status", sender=sender))
    )
    assert "Trả lời gần nhất của cán bộ: Xã đã cử người sửa tay vịn cầu" in text


async def test_greeting_names_the_commune(gateway_url: str) -> None:
    from actions.general import ActionGreet

    dispatcher = await run(ActionGreet(), make_tracker("chào em", "greet"))
    assert texts(dispatcher)[0].startswith("Dạ, em chào anh/chị ạ! Em là trợ lý ảo của UBND xã Hòa Bình.")
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]][:2] == ["/ask_procedure", "/report_issue"]


async def test_greeting_offers_subscribing_and_is_not_repeated(dead_gateway: None) -> None:
    from actions.general import ActionGreet

    first = await run(ActionGreet(), make_tracker("chào em", "greet"))
    assert first.messages[0]["buttons"][-1] == {"title": "Đăng ký nhận tin", "payload": "đăng ký nhận tin"}
    history = [{"event": "session_started"}, {"event": "bot", "text": texts(first)[0]}]
    again = await run(ActionGreet(), make_tracker("xin chào", "greet", events=history))
    assert texts(again) == ["Dạ, em chào anh/chị ạ! Anh/chị cần em hỗ trợ gì ạ?"]
    assert again.messages[0]["buttons"] == first.messages[0]["buttons"]


async def test_greeting_without_the_gateway_still_greets(dead_gateway: None) -> None:
    from actions.general import ActionGreet

    dispatcher = await run(ActionGreet(), make_tracker("chào em", "greet", metadata={"commune": "xa-moi"}))
    assert "trợ lý ảo của UBND xã." in texts(dispatcher)[0]
