"""Conversation housekeeping shared by the topics."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.health import CONSULT_SLOTS
from actions.reports import ALL_SLOTS as REPORT_SLOTS


class ActionClearForms(Action):
    """Forget a half-filled report or booking (after an emergency or a handoff interrupted it)."""

    def name(self) -> Text:
        return "action_clear_forms"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return [SlotSet(slot, None) for slot in (*REPORT_SLOTS, *CONSULT_SLOTS) if tracker.get_slot(slot) is not None]
