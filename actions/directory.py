"""Procedures beyond the commune's own (issue 22): "this is done by …, you can file online at … with a level-2 VNeID
account; the commune's one-stop counter can help", from the directory in knowledge/directory/ — and a button to hand
off to staff. A complaint about another agency's service (unpaid maternity pay, an employer keeping the social
insurance book) gets where to complain and the offer to file it as a report of the entry's case category ("Gửi phản
ánh": the report form starts with the citizen's own words as its description) or to pass it to staff, never a
procedure menu or a health refusal.

Used by the referral (out_of_scope), by the procedure answer when the text names none of the commune's procedures,
and by the health answer when the text is about a health-insurance card rather than health.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Dict, List, Optional, Text, Tuple

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import KNOWLEDGE_DIR
from knowledge.directory import Entry, load_directory, match

HANDOFF_BUTTON = {"title": "Gặp cán bộ xã", "payload": "/request_human"}
ONE_STOP = "Bộ phận một cửa của UBND xã có thể hướng dẫn và giúp anh/chị nộp hồ sơ trực tuyến."
FILE_AS_REPORT = 'Nếu anh/chị muốn, bấm "Gửi phản ánh": em ghi nhận thành phản ánh gửi UBND xã để cán bộ theo dõi.'


@lru_cache(maxsize=1)
def _entries() -> Tuple[Entry, ...]:
    return load_directory(KNOWLEDGE_DIR / "directory")


def match_directory(text: Optional[Text]) -> Optional[Entry]:
    if not text or text.startswith("/"):
        return None
    return match(text, _entries())


def directory_text(entry: Entry) -> Text:
    """The answer: who handles it, how to file online, what to prepare, what the commune does, the basis."""
    name = entry.name[:1].lower() + entry.name[1:]
    if entry.complaint:
        lines = [f"Dạ, em rất tiếc về việc này ạ. Về {name}: {entry.agency}."]
    elif entry.commune:
        lines = [f"Dạ, {name} là việc UBND xã giải quyết hoặc tiếp nhận ạ: {entry.agency}."]
    else:
        lines = [f"Dạ, {name} không phải thủ tục của UBND xã ạ. Nơi giải quyết: {entry.agency}."]
    if entry.online:
        lines.append(f"- Nộp/tra cứu trực tuyến: {entry.online}.")
    lines.append(f"- Cần chuẩn bị: {entry.prepare}.")
    if entry.hotline:
        lines.append(f"- Đường dây nóng: {entry.hotline}.")
    lines.append(entry.complaint or ONE_STOP)
    if entry.category:
        lines.append(FILE_AS_REPORT)
    lines.append(f"Căn cứ: {'; '.join(entry.basis)}. (Thông tin rà soát ngày {entry.reviewed_on:%d/%m/%Y}.)")
    return "\n".join(lines)


def report_button(entry: Entry) -> Dict[Text, Text]:
    """Files the complaint as a report of the entry's category (the report form starts from it)."""
    payload = json.dumps({"category": entry.category}, ensure_ascii=False)
    return {"title": "Gửi phản ánh", "payload": f"/report_issue{payload}"}


def answer_directory(dispatcher: CollectingDispatcher, entry: Entry, text: Optional[Text] = None) -> List[EventType]:
    """The answer with its buttons; for a complaint, ``text`` (the citizen's words) is kept in ``clarified_text`` so
    the report form takes it as the description when "Gửi phản ánh" is pressed."""
    if not entry.category:
        dispatcher.utter_message(text=directory_text(entry), buttons=[HANDOFF_BUTTON])
        return [SlotSet("procedure", None)]
    dispatcher.utter_message(text=directory_text(entry), buttons=[report_button(entry), HANDOFF_BUTTON])
    kept = [SlotSet("clarified_text", text)] if text and not text.startswith("/") else []
    return [SlotSet("procedure", None), *kept]
