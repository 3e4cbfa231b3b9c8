"""Administrative procedures: answer the aspect asked (documents, fee, time, where, online…) from knowledge/."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import commune_slug, contains_any, first_entity, fold, latest_text
from actions.gateway import gateway
from actions.health import answer_health
from actions.knowledge import (
    ASPECTS,
    Procedure,
    commune_overrides,
    match_health_topic,
    match_procedure,
    procedure_for,
    procedures,
)  # fmt: skip

# Checked in this order: "hồ sơ" appears in many questions, so documents come last.
ASPECT_WORDS = {
    "fee": ["lệ phí", "phí", "bao nhiêu tiền", "mất tiền", "tốn bao nhiêu", "chi phí", "tiền phí"],
    "time": ["bao lâu", "mấy ngày", "bao nhiêu ngày", "thời gian", "khi nào có", "lấy liền"],
    "where": ["ở đâu", "nộp ở đâu", "chỗ nào", "nơi nào", "đến đâu", "làm ở đâu"],
    "online": ["online", "trực tuyến", "qua mạng", "dịch vụ công", "trên mạng", "vneid"],
    "who": ["ai được", "ai có thể", "ai làm", "người nào", "đối tượng", "điều kiện"],
    "legal": ["căn cứ", "luật", "nghị định", "thông tư", "văn bản pháp luật"],
    "documents": ["giấy tờ", "hồ sơ", "cần gì", "cần những gì", "mang theo", "chuẩn bị", "thủ tục gồm"],
}
ASPECT_TITLES = {
    "documents": "Giấy tờ cần có", "fee": "Lệ phí", "time": "Thời gian", "where": "Nơi nộp",
    "online": "Nộp trực tuyến", "who": "Ai được làm", "legal": "Căn cứ pháp lý",
}  # fmt: skip
MENU_ASPECTS = ("documents", "fee", "time", "where", "online")
# Shown when the procedure is unclear: the most asked ones first (the citizen may also type any other).
MENU_PROCEDURES = (
    "khai_sinh", "ket_hon", "khai_tu", "chung_thuc_ban_sao", "xac_nhan_hon_nhan", "cu_tru", "tro_cap_xa_hoi",
    "trich_luc_ho_tich", "cai_chinh_ho_tich", "chung_thuc_chu_ky", "nhan_cha_me_con", "giam_ho",
)  # fmt: skip


def detect_aspect(tracker: Tracker) -> Optional[Text]:
    value = first_entity(tracker, "aspect")
    if value in ASPECTS:
        return str(value)
    folded = fold(latest_text(tracker))
    return next((aspect for aspect, words in ASPECT_WORDS.items() if contains_any(folded, words)), None)


def payload(procedure_id: Text, aspect: Optional[Text] = None) -> Text:
    entities: Dict[Text, Text] = {"procedure": procedure_id}
    if aspect:
        entities["aspect"] = aspect
    return "/ask_procedure" + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))


def aspect_buttons(procedure_id: Text, skip: Optional[Text] = None) -> List[Dict[Text, Text]]:
    return [{"title": ASPECT_TITLES[a], "payload": payload(procedure_id, a)} for a in MENU_ASPECTS if a != skip]


def _legal_line(proc: Procedure) -> Text:
    return f"Căn cứ: {'; '.join(proc.legal[:3])}." if proc.legal else ""


def answer_text(proc: Procedure, aspect: Optional[Text], commune: Optional[Dict[Text, Any]] = None) -> Text:
    """The reply for one aspect (or the summary when ``aspect`` is None); always cites the legal basis."""
    if aspect == "documents":
        body = f"Dạ, hồ sơ {proc.name.lower()} gồm:\n" + "\n".join(f"- {d}" for d in proc.documents)
    elif aspect == "fee":
        body = f"Dạ, lệ phí {proc.name.lower()}: {proc.fee}"
    elif aspect == "time":
        body = f"Dạ, thời gian giải quyết {proc.name.lower()}: {proc.time}"
    elif aspect == "where":
        body = f"Dạ, {proc.name.lower()} nộp tại: {proc.where}"
        if commune and commune.get("address") and "UBND xã" in proc.where:
            body += f"\n{commune.get('name', 'UBND xã')}: {commune['address']}."
            if commune.get("office_hours"):
                body += f"\nGiờ làm việc: {commune['office_hours']}."
    elif aspect == "online":
        body = f"Dạ, {proc.online_note}" if proc.online_note else f"Dạ, {proc.name.lower()} chưa có dịch vụ trực tuyến."
        if proc.online_url:
            body += f"\nĐường dẫn: {proc.online_url}"
    elif aspect == "who":
        body = f"Dạ, người nộp hồ sơ {proc.name.lower()}: {proc.who}"
    elif aspect == "legal":
        return f"Dạ, căn cứ pháp lý của thủ tục {proc.name.lower()}: {'; '.join(proc.legal)}."
    else:
        body = f"Dạ, {proc.summary}\nLệ phí: {proc.fee}\nAnh/chị muốn biết thêm thông tin nào ạ?"
    legal = _legal_line(proc)
    return f"{body}\n{legal}" if legal else body


class ActionAnswerProcedure(Action):
    def name(self) -> Text:
        return "action_answer_procedure"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        aspect = detect_aspect(tracker)
        procedure_id = first_entity(tracker, "procedure")
        if procedure_id not in procedures():
            procedure_id = match_procedure(latest_text(tracker))
        if procedure_id is None and aspect is not None:
            procedure_id = tracker.get_slot("procedure")  # a follow-up such as "còn lệ phí thì sao?"
        if procedure_id not in procedures() and aspect is None and match_health_topic(latest_text(tracker)):
            return answer_health(dispatcher, latest_text(tracker))  # a health question the NLU took for a procedure
        if procedure_id not in procedures():
            dispatcher.utter_message(
                text="Dạ, anh/chị muốn hỏi về thủ tục nào ạ? Anh/chị chọn bên dưới hoặc gõ tên thủ tục giúp em.",
                buttons=[{"title": procedures()[p].name, "payload": payload(p, aspect)} for p in MENU_PROCEDURES],
            )
            return [SlotSet("procedure", None)]
        commune = await gateway().commune(commune_slug(tracker))
        proc = procedure_for(str(procedure_id), commune_overrides(commune, str(procedure_id)))
        assert proc is not None
        dispatcher.utter_message(text=answer_text(proc, aspect, commune), buttons=aspect_buttons(proc.id, skip=aspect))
        return [SlotSet("procedure", proc.id)]
