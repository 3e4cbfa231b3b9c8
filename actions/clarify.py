"""Never answer nonsense: when the NLU is unsure, or an intent only makes sense in context, ask with buttons.

- ``clarify`` asks "Anh/chị hỏi về sức khỏe hay muốn phản ánh ạ?" with the likely readings from the NLU's intent
  ranking as buttons (their payloads carry the entities already understood) and remembers the message in the
  ``clarified_text`` slot, so the chosen action answers the original question instead of asking it again.
- ``ActionContextReply`` (thank / affirm / deny): a short acknowledgement when the bot had just said something in this
  session, else a clarification (a lone "không" or a long question read as "deny" gets no canned answer).
"""

from __future__ import annotations

import json
from typing import AbstractSet, Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_intent, latest_text

CAPABILITIES = [
    {"title": "Thủ tục hành chính", "payload": "/ask_procedure"},
    {"title": "Gửi phản ánh", "payload": "/report_issue"},
    {"title": "Hỏi về sức khỏe", "payload": "/health_question"},
    {"title": "Tra cứu hồ sơ", "payload": "/check_status"},
    {"title": "Gặp cán bộ", "payload": "/request_human"},
]
# intent → (how the question reads it, button title, entity types worth carrying in the payload)
READINGS: Dict[Text, tuple] = {
    "health_question": ("hỏi về sức khỏe", "Hỏi về sức khỏe", ()),
    "report_issue": ("muốn phản ánh một sự việc", "Gửi phản ánh", ("category",)),
    "ask_procedure": ("hỏi thủ tục hành chính", "Thủ tục hành chính", ("procedure", "aspect")),
    "out_of_scope": ("hỏi việc của cơ quan khác", "Việc của cơ quan khác", ()),
    "check_status": ("muốn tra cứu hồ sơ đã gửi", "Tra cứu hồ sơ", ("case_code",)),
    "book_consultation": ("muốn đặt lịch tư vấn", "Đặt lịch tư vấn", ()),
    "office_info": ("hỏi địa chỉ, giờ làm việc của xã", "Thông tin UBND xã", ()),
    "request_human": ("muốn gặp cán bộ", "Gặp cán bộ", ()),
}
CONTEXT_INTENTS = {"thank", "affirm", "deny"}
SHORT_WORDS = 8  # a yes, a no or a thanks is short; a long message read as one is a misreading
ACK_TEXTS = {  # in context only
    "thank": "Dạ, không có gì ạ. Anh/chị cần hỗ trợ thêm cứ nhắn em nhé.",
    "affirm": "Dạ vâng ạ. Anh/chị cần em hỗ trợ thêm việc gì không ạ?",
    "deny": "Dạ vâng ạ. Khi cần, anh/chị cứ nhắn em nhé.",
}
CLARIFY_MARK = "Anh/chị chọn giúp em bên dưới nhé."  # every clarification ends with it (tests find them by it)
OPEN_PROMPT = "Anh/chị cần em hỗ trợ việc gì ạ?"
SILENT_ACTIONS = {"action_listen", "action_session_start", "action_restart", "action_context_reply"}


def ranked_options(
    tracker: Tracker, *, exclude: AbstractSet[Text] = frozenset(), min_confidence: float = 0.05, limit: int = 3
) -> List[Text]:
    """The likely in-scope readings of the latest message, best first, from the NLU's intent ranking."""
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    options: List[Text] = []
    for entry in ranking:
        name = entry.get("name")
        if name in READINGS and name not in exclude and float(entry.get("confidence") or 0) >= min_confidence:
            options.append(str(name))
    return options[:limit]


def _payload(intent: Text, tracker: Tracker) -> Text:
    kinds = READINGS[intent][2]
    entities: Dict[Text, Any] = {}
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") in kinds and entity.get("entity") not in entities:
            entities[entity["entity"]] = entity.get("value")
    return f"/{intent}" + (json.dumps(entities, ensure_ascii=False) if entities else "")


def clarify(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    *,
    exclude: AbstractSet[Text] = frozenset(),
    lead: Optional[Text] = None,
) -> List[EventType]:
    """Ask which of the likely readings the citizen means; always offers a person too."""
    options = ranked_options(tracker, exclude=exclude, limit=2)
    opening = lead or "Dạ, em chưa hiểu rõ ý anh/chị."
    if not options:  # nothing likely: everything the bot can do
        dispatcher.utter_message(text=f"{opening} {OPEN_PROMPT} {CLARIFY_MARK}", buttons=CAPABILITIES)
    else:
        readings = [READINGS[o][0] for o in options]
        buttons = [{"title": READINGS[o][1], "payload": _payload(o, tracker)} for o in options]
        if "request_human" not in options:
            buttons.append({"title": "Gặp cán bộ", "payload": "/request_human"})
        question = " hay ".join(readings)
        dispatcher.utter_message(text=f"{opening} Anh/chị {question} ạ? {CLARIFY_MARK}", buttons=buttons)
    text = latest_text(tracker)
    return [SlotSet("clarified_text", text)] if text and not text.startswith("/") else []


def clarified_text(tracker: Tracker) -> Text:
    """The text to answer: the latest message, or — when a clarification button was pressed — the original one."""
    text = latest_text(tracker)
    if text.startswith("/") and tracker.get_slot("clarified_text"):
        return str(tracker.get_slot("clarified_text"))
    return text


def bot_spoke_before(tracker: Tracker) -> bool:
    """True when the bot answered something earlier in this session (a yes/no/thanks then has a context)."""
    seen_latest_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "session_started":
            return False
        if kind == "user":
            if seen_latest_user:
                continue
            seen_latest_user = True
        elif kind == "action" and seen_latest_user and event.get("name") not in SILENT_ACTIONS:
            return True
    return False


class ActionContextReply(Action):
    """thank / affirm / deny: acknowledged in context, clarified outside it."""

    def name(self) -> Text:
        return "action_context_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        intent = latest_intent(tracker)
        short = len(latest_text(tracker).split()) <= SHORT_WORDS
        if short and intent in ACK_TEXTS and bot_spoke_before(tracker):
            dispatcher.utter_message(text=ACK_TEXTS[intent])
            return []
        if short and intent == "thank":
            dispatcher.utter_message(text=f"Dạ, em cảm ơn anh/chị. {OPEN_PROMPT}", buttons=CAPABILITIES)
            return []
        if short:
            dispatcher.utter_message(text=f"Dạ. {OPEN_PROMPT} (nhắn câu hỏi hoặc chọn bên dưới)", buttons=CAPABILITIES)
            return []
        return clarify(dispatcher, tracker, exclude=CONTEXT_INTENTS)


class ActionClarify(Action):
    """Low-margin predictions (nlu_fallback) and other unsure turns: the likely readings as buttons."""

    def name(self) -> Text:
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return clarify(dispatcher, tracker)
