"""check_status: a case's status and last public reply, only for cases filed from this conversation."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import clarify
from actions.common import find_case_code, format_due, latest_text
from actions.dossiers import ActionDossierStatus, find_dossier_code
from actions.gateway import GatewayError, GatewayNotFound, gateway

STATUS_LABELS = {
    "new": "Mới tiếp nhận", "assigned": "Đã giao cán bộ xử lý", "in_progress": "Đang xử lý",
    "resolved": "Đã xử lý xong", "closed": "Đã đóng", "rejected": "Không thụ lý", "duplicate": "Trùng phản ánh khác",
}  # fmt: skip
BUSY = "Dạ, hệ thống tra cứu đang bận, anh/chị vui lòng thử lại sau ít phút ạ."


def _label(case: Dict[Text, Any]) -> Text:
    label = case.get("status_label")
    return str(label) if label else STATUS_LABELS.get(str(case.get("status")), str(case.get("status") or ""))


def _last_reply(case: Dict[Text, Any]) -> Optional[Text]:
    reply = case.get("last_public_reply")
    if isinstance(reply, dict):
        reply = reply.get("text") or reply.get("body") or reply.get("message")
    return str(reply).strip() if reply else None


def case_status_text(case: Dict[Text, Any]) -> Text:
    text = f"Dạ, hồ sơ {case.get('code')}: {_label(case)}."
    department = (case.get("department") or {}).get("name")
    if department:
        text += f" Đơn vị xử lý: {department}."
    due = format_due(case.get("due_at"))
    if due and case.get("status") not in ("resolved", "closed", "rejected", "duplicate"):
        text += f" Hạn xử lý: {due}."
    reply = _last_reply(case)
    if reply:
        text += f"\nTrả lời gần nhất của cán bộ: {reply[:350]}"
    return text


class ActionCheckStatus(Action):
    def name(self) -> Text:
        return "action_check_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if find_dossier_code(latest_text(tracker)):  # a one-stop dossier's code, not a report's
            return await ActionDossierStatus().run(dispatcher, tracker, domain)
        code = find_case_code(tracker)
        try:
            if code:
                case = await gateway().get_case(code, conversation_id=tracker.sender_id)
                dispatcher.utter_message(text=case_status_text(case))
                return []
            cases = await gateway().list_cases(conversation_id=tracker.sender_id)
        except GatewayNotFound:
            dispatcher.utter_message(
                text=f"Dạ, em không tìm thấy hồ sơ mã {code} do anh/chị gửi. Anh/chị kiểm tra lại mã giúp em ạ."
            )
            return []
        except GatewayError:
            dispatcher.utter_message(text=BUSY)
            return []
        if not cases:  # nothing to look up: the question was probably something else, so ask instead
            return clarify(
                dispatcher, tracker, exclude={"check_status"},
                lead="Dạ, em chưa thấy phản ánh hay yêu cầu nào anh/chị gửi từ cuộc trò chuyện này (nếu có mã hồ sơ, "
                "ví dụ PA-2026-000123, anh/chị nhắn mã giúp em).",
            )  # fmt: skip
        lines = [f"- {c.get('code')}: {_label(c)}" for c in cases[:3]]
        latest = case_status_text(cases[0])
        more = "\n".join(lines[1:])
        dispatcher.utter_message(text=latest + (f"\nCác hồ sơ khác:\n{more}" if more else ""))
        return []
