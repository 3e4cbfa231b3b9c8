"""Where is my dossier in the one-stop system: look it up by its code, ask for the code when it is missing, and watch
it for changes. The gateway composes the texts (api/dossiers/flows.py); these actions only carry them."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import find_case_code, latest_text
from actions.gateway import GatewayError, gateway

# The same shapes as api/dossiers/source.py (OpenCPS "000.00.07.H12-261130-0012", "HS-2026-0012").
DOSSIER_CODE_RE = re.compile(
    r"\b(?:[0-9A-Z]{2,4}\.){1,4}[0-9A-Z]{2,4}-\d{6}-\d{3,6}\b|\bHS-\d{4}-\d{3,8}\b", re.IGNORECASE
)
BUSY = (
    "Dạ, em chưa kết nối được hệ thống tra cứu hồ sơ lúc này. Anh/chị thử lại sau ít phút hoặc gọi bộ phận Một cửa "
    "của xã giúp em ạ."
)
WATCH_BUTTON = {"title": "Báo khi có thay đổi", "payload": "/watch_dossier"}


def find_dossier_code(text: Optional[Text]) -> Optional[Text]:
    match = DOSSIER_CODE_RE.search(text or "")
    return match.group(0).upper() if match else None


class ActionDossierStatus(Action):
    def name(self) -> Text:
        return "action_dossier_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        code = find_dossier_code(latest_text(tracker))
        if code is None and find_case_code(tracker):  # a report's code (PA-2026-…): the case status answers
            from actions.status import ActionCheckStatus

            return await ActionCheckStatus().run(dispatcher, tracker, domain)
        try:
            if code is None:
                answer = await gateway().my_dossiers(conversation_id=tracker.sender_id)
            else:
                answer = await gateway().dossier(code, conversation_id=tracker.sender_id)
        except GatewayError:
            dispatcher.utter_message(text=BUSY)
            return []
        buttons = [WATCH_BUTTON] if answer.get("watchable") else None
        dispatcher.utter_message(text=str(answer.get("text") or BUSY), buttons=buttons)
        found = (answer.get("status") or {}).get("code") if answer.get("found") else None
        return [SlotSet("dossier_code", found)] if found else []


class ActionWatchDossier(Action):
    def name(self) -> Text:
        return "action_watch_dossier"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        code = find_dossier_code(latest_text(tracker)) or tracker.get_slot("dossier_code")
        if not code:
            dispatcher.utter_message(
                text="Dạ, anh/chị cho em xin mã hồ sơ trên giấy biên nhận để em theo dõi và báo khi có thay đổi ạ."
            )
            return []
        try:
            answer = await gateway().watch_dossier(str(code), conversation_id=tracker.sender_id)
        except GatewayError:
            dispatcher.utter_message(text=BUSY)
            return []
        dispatcher.utter_message(text=str(answer.get("text") or BUSY))
        return []
