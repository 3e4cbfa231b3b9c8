"""Administrative procedures: answer the aspect asked (documents, fee, time, where, online…) from knowledge/."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import commune_slug, contains_any, first_entity, fold, latest_text
from actions.directory import answer_directory, match_directory
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
    refine_procedure,
)  # fmt: skip
from knowledge.facts import vietnam_today

# A registration deadline (how long after the birth/death one has to register) is not the processing time: "trong
# thời hạn bao lâu", "hạn chót", "quá hạn"… ask for the deadline unless they ask when the result comes.
DEADLINE_WORDS = [
    "thời hạn", "hạn chót", "hạn cuối", "chậm nhất", "trễ hạn", "quá hạn", "trễ hẹn", "đúng hạn", "hết hạn",
    "muộn nhất", "bao lâu phải", "bao lâu thì phải", "mấy ngày phải", "bao nhiêu ngày phải", "trong vòng bao lâu",
    "để lâu", "quá 60 ngày", "quá 15 ngày", "đăng ký muộn", "khai muộn", "làm muộn", "trễ có sao", "có bị phạt",
]  # fmt: skip
PROCESSING_WORDS = ["giải quyết", "trả kết quả", "có kết quả", "nhận kết quả", "lấy kết quả", "xử lý hồ sơ", "lấy liền"]
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
    "documents": "Giấy tờ cần có", "fee": "Lệ phí", "time": "Thời gian", "deadline": "Thời hạn", "where": "Nơi nộp",
    "online": "Nộp trực tuyến", "who": "Ai được làm", "legal": "Căn cứ pháp lý",
}  # fmt: skip
MENU_ASPECTS = ("documents", "fee", "time", "where", "online")
# Shown when the procedure is unclear: the most asked ones first (the citizen may also type any other).
MENU_PROCEDURES = (
    "khai_sinh", "ket_hon", "khai_tu", "chung_thuc_ban_sao", "xac_nhan_hon_nhan", "cu_tru", "tro_cap_xa_hoi",
    "trich_luc_ho_tich", "cai_chinh_ho_tich", "chung_thuc_chu_ky", "nhan_cha_me_con", "giam_ho",
)  # fmt: skip


def is_deadline_question(text: Text) -> bool:
    folded = fold(text)
    return contains_any(folded, DEADLINE_WORDS) and not contains_any(folded, PROCESSING_WORDS)


def detect_aspect(tracker: Tracker) -> Optional[Text]:
    text = latest_text(tracker)
    value = first_entity(tracker, "aspect")
    if value in (None, "time") and is_deadline_question(text):
        return "deadline"  # the NLU's "time" for "trong thời hạn bao lâu" means the registration deadline
    if value in ASPECTS:
        return str(value)
    folded = fold(text)
    return next((aspect for aspect, words in ASPECT_WORDS.items() if contains_any(folded, words)), None)


def payload(procedure_id: Text, aspect: Optional[Text] = None) -> Text:
    entities: Dict[Text, Text] = {"procedure": procedure_id}
    if aspect:
        entities["aspect"] = aspect
    return "/ask_procedure" + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))


def aspect_buttons(procedure_id: Text, skip: Optional[Text] = None) -> List[Dict[Text, Text]]:
    proc = procedures().get(procedure_id)
    menu = MENU_ASPECTS + (("deadline",) if proc is not None and proc.deadline else ())
    return [{"title": ASPECT_TITLES[a], "payload": payload(procedure_id, a)} for a in menu if a != skip]


def _legal_line(proc: Procedure, aspects: List[Text]) -> Text:
    """The basis of the facts in the answer, to the article; the procedure's texts when no fact is quoted."""
    cited: Dict[Text, None] = {}
    for aspect in aspects:
        for item in proc.basis.get(aspect, ()):
            cited.setdefault(item, None)
    items = list(cited) or list(proc.legal[:3])
    return f"Căn cứ: {'; '.join(items)}." if items else ""


# The last line of every procedure answer (Decree 42/2022/NĐ-CP art. 11 names the two levels); none when the procedure
# cannot be filed online: the counter is already what the answer says.
ONLINE_LINE = {
    "toan_trinh": "Nộp trực tuyến (toàn trình): {url}",
    "mot_phan": "Nộp trực tuyến (một phần): {url}",
}
NOT_ONLINE = "Dạ, thủ tục này chưa nộp trực tuyến được; anh/chị nộp tại bộ phận một cửa UBND xã."
SEARCH_HINT = " (trang tìm thủ tục này trên Cổng)"
# What the level means, said once, in the answer about filing online.
LEVEL_MEANS = {
    "toan_trinh": "Toàn trình: nộp, theo dõi và nhận kết quả đều qua mạng (hoặc qua bưu chính).",
    "mot_phan": "Một phần: nộp hồ sơ qua mạng, nhưng vẫn có bước phải làm trực tiếp tại xã.",
}


def online_line(proc: Procedure) -> Text:
    """The level and the filing link when the procedure can be filed online, else nothing."""
    template = ONLINE_LINE.get(proc.online_level)
    return template.format(url=proc.online_url) if template and proc.online_url else ""


def _online_answer(proc: Procedure) -> Text:
    note = proc.online_note
    if proc.online_level == "chua_co":
        return NOT_ONLINE + (f"\n{note}" if note else "")
    body = f"Dạ, {note[:1].lower()}{note[1:]}" if note else f"Dạ, {proc.name.lower()} chưa có dịch vụ trực tuyến."
    if line := online_line(proc):
        hint = SEARCH_HINT if proc.online_link == "search" else ""
        return "\n".join((body, LEVEL_MEANS[proc.online_level], line + hint))
    return body + (f"\nĐường dẫn: {proc.online_url}" if proc.online_url else "")


CHECK_AT = "Cổng Dịch vụ công quốc gia (dichvucong.gov.vn) hoặc bộ phận một cửa của UBND xã"
CHECK_AT_POLICE = "Cổng dịch vụ công Bộ Công an (dichvucong.bocongan.gov.vn) hoặc Công an xã"


def _validity_note(proc: Procedure, aspects: List[Text], today: Optional[date] = None) -> Text:
    """A fact out of force or past its review date is still shown, saying it may have changed and where to check."""
    day = today or proc.day or vietnam_today()
    facts = [proc.facts[a] for a in aspects if a in proc.facts]
    check_at = CHECK_AT_POLICE if proc.id == "cu_tru" else CHECK_AT
    if any(not fact.in_force(day) for fact in facts):
        return (
            "Lưu ý: quy định này có thể đã thay đổi theo văn bản mới; anh/chị vui lòng kiểm tra lại trên "
            f"{check_at} trước khi nộp hồ sơ."
        )
    overdue = [fact for fact in facts if fact.review_overdue(day)]
    if overdue:
        last = min(fact.reviewed_on for fact in overdue)
        return (
            f"Lưu ý: thông tin này được rà soát lần cuối ngày {last:%d/%m/%Y} nên có thể đã thay đổi; anh/chị kiểm "
            f"tra lại trên {check_at}."
        )
    return ""


def _dated_note(proc: Procedure, aspect: Text, *, brief: bool = False) -> Text:
    """A temporary rule says until when it applies and what comes after; a rule about to start says from when."""
    later = proc.upcoming.get(aspect)
    if later is None:
        return ""
    current = proc.facts.get(aspect)
    until = current.valid_until if current is not None and current.in_force(proc.day or vietnam_today()) else None
    if brief:
        return (
            f"(Áp dụng tạm thời đến hết ngày {until:%d/%m/%Y}.)"
            if until
            else f"(Có thay đổi từ ngày {later.valid_from:%d/%m/%Y}.)"
        )
    since = f"Từ ngày {later.valid_from:%d/%m/%Y}: {later.text}"
    return f"(Áp dụng đến hết ngày {until:%d/%m/%Y}. {since})" if until else f"({since})"


def answer_text(proc: Procedure, aspect: Optional[Text], commune: Optional[Dict[Text, Any]] = None) -> Text:
    """The reply for one aspect (or the summary when ``aspect`` is None); always cites the legal basis."""
    cited: List[Text] = [aspect] if aspect else []
    if aspect == "documents":
        body = f"Dạ, hồ sơ {proc.name.lower()} gồm:\n" + "\n".join(f"- {d}" for d in proc.documents)
    elif aspect == "fee":
        body = f"Dạ, lệ phí {proc.name.lower()}: {proc.fee}"
        if note := _dated_note(proc, "fee"):
            body += f"\n{note}"
    elif aspect == "time":
        body = f"Dạ, thời gian giải quyết {proc.name.lower()}: {proc.time}"
    elif aspect == "deadline" and proc.deadline:
        body = f"Dạ, thời hạn {proc.name.lower()}: {proc.deadline}"
    elif aspect == "deadline":
        body = (
            f"Dạ, em chưa có thông tin về thời hạn bắt buộc phải làm thủ tục {proc.name.lower()}. "
            f"Thời gian giải quyết sau khi nộp đủ hồ sơ: {proc.time}"
        )
        cited = ["time"]
    elif aspect == "where":
        body = f"Dạ, {proc.name.lower()} nộp tại: {proc.where}"
        if commune and commune.get("address") and "UBND xã" in proc.where:
            body += f"\n{commune.get('name', 'UBND xã')}: {commune['address']}."
            if commune.get("office_hours"):
                body += f"\nGiờ làm việc: {commune['office_hours']}."
    elif aspect == "online":
        body = _online_answer(proc)
        cited = [key for key in ("online", "online_level") if proc.basis.get(key)]
    elif aspect == "who":
        body = f"Dạ, người nộp hồ sơ {proc.name.lower()}: {proc.who}"
    elif aspect == "legal":
        body = f"Dạ, căn cứ pháp lý của thủ tục {proc.name.lower()}: {'; '.join(proc.legal)}."
        return "\n".join(line for line in (body, online_line(proc)) if line)
    else:
        body = f"Dạ, {proc.summary}\nLệ phí: {proc.fee}"
        if note := _dated_note(proc, "fee", brief=True):
            body += f"\n{note}"
        body += "\nAnh/chị muốn biết thêm thông tin nào ạ?"
        cited = ["fee", "deadline"]
    lines = [body, _validity_note(proc, cited), _legal_line(proc, cited)]
    if aspect != "online":
        lines.append(online_line(proc))  # every answer ends with where to file online, once
    return "\n".join(line for line in lines if line)


class ActionAnswerProcedure(Action):
    def name(self) -> Text:
        return "action_answer_procedure"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        today = vietnam_today()  # one date for the whole answer; XASO_TODAY freezes it
        aspect = detect_aspect(tracker)
        procedure_id = first_entity(tracker, "procedure")
        if procedure_id not in procedures(today):
            procedure_id = match_procedure(latest_text(tracker))
        procedure_id = refine_procedure(procedure_id, latest_text(tracker))
        entry = match_directory(latest_text(tracker))
        if entry is not None and match_procedure(latest_text(tracker)) is None:
            return answer_directory(dispatcher, entry, latest_text(tracker))  # another agency's (issue 22), no menu
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
        proc = procedure_for(str(procedure_id), commune_overrides(commune, str(procedure_id)), today)
        assert proc is not None
        dispatcher.utter_message(text=answer_text(proc, aspect, commune), buttons=aspect_buttons(proc.id, skip=aspect))
        return [SlotSet("procedure", proc.id)]
