"""One-stop dossiers from the conversation: by code, asking for the code, watching, and the report-code hand-over,
against a real gateway process whose seed created the demo dossiers."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.dossiers import ActionDossierStatus, ActionWatchDossier, find_dossier_code
from actions.status import ActionCheckStatus
from tests.actions.conftest import make_tracker, new_sender, slots_of, texts

CODE = "000.00.07.H12-261130-0012"


async def run(action: object, tracker: object) -> tuple[CollectingDispatcher, list]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})  # type: ignore[attr-defined]
    return dispatcher, events


def test_codes_are_found_with_or_without_marks_and_case() -> None:
    assert find_dossier_code("ma 000.00.07.h12-261130-0012 den dau roi") == CODE
    assert find_dossier_code("hồ sơ HS-2026-0012 sao rồi") == "HS-2026-0012"
    assert find_dossier_code("hồ sơ PA-2026-000123 của em") is None  # a report's code
    assert find_dossier_code("hồ sơ của tôi đến đâu rồi") is None


async def test_by_code_the_demo_status_and_a_watch_button(gateway_url: str) -> None:
    sender = new_sender()
    dispatcher, events = await run(
        ActionDossierStatus(), make_tracker(f"mã {CODE} đến đâu rồi", "ask_dossier_status", sender=sender)
    )
    assert "[DỮ LIỆU MẪU]" in texts(dispatcher)[0] and "Đang được giải quyết" in texts(dispatcher)[0]
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/watch_dossier"
    assert slots_of(events) == {"dossier_code": CODE}
    watched, _ = await run(
        ActionWatchDossier(), make_tracker("/watch_dossier", "watch_dossier", sender=sender, slots=slots_of(events))
    )
    assert "em sẽ nhắn anh/chị" in texts(watched)[0]


async def test_without_a_code_on_the_web_the_bot_asks_for_it(gateway_url: str) -> None:
    dispatcher, events = await run(
        ActionDossierStatus(), make_tracker("hồ sơ của tôi đến đâu rồi", "ask_dossier_status")
    )
    assert "mã hồ sơ in trên giấy biên nhận" in texts(dispatcher)[0] and events == []


async def test_a_dossier_code_under_the_report_status_intent_is_looked_up_as_a_dossier(gateway_url: str) -> None:
    dispatcher, _ = await run(ActionCheckStatus(), make_tracker(f"tra cứu {CODE}", "check_status"))
    assert "[DỮ LIỆU MẪU]" in texts(dispatcher)[0]


async def test_when_the_gateway_is_down_the_answer_is_honest(dead_gateway: None) -> None:
    dispatcher, _ = await run(ActionDossierStatus(), make_tracker(f"mã {CODE}", "ask_dossier_status"))
    assert "chưa kết nối được hệ thống tra cứu" in texts(dispatcher)[0]
