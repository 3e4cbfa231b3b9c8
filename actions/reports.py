"""Reports (phản ánh, kiến nghị): the report form's turn-by-turn logic, its questions, and filing the case.

The form's slots all use custom mappings: ``validate_report_form`` reads every message itself, so cancelling,
corrections ("không phải, ở ấp 4"), photos and shared locations work at any step. Messages of an interrupting intent
(a procedure question in the middle…) are left to the rules, which answer and come back to the form.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import forms
from actions.common import (
    channel,
    commune_slug,
    contains_any,
    first_entity,
    fold,
    format_due,
    latest_intent,
    latest_text,
    normalise_phone,
    turn_id,
)  # fmt: skip
from actions.gateway import GatewayError, gateway

ORDER = ("report_description", "report_category", "report_location", "report_photo", "report_phone", "report_confirmed")
ALL_SLOTS = (*ORDER, "report_latitude", "report_longitude", "report_cancelled", "report_editing")
CATEGORIES = {
    "giao_thong": (
        "Giao thông (đường, cầu, biển báo)",
        ["giao thông", "ổ gà", "mặt đường", "đường hư", "đường bị", "hư đường", "cầu", "biển báo", "lún", "sạt lở"],
    ),
    "chieu_sang": ("Chiếu sáng (đèn đường)", ["chiếu sáng", "đèn đường", "đèn", "bóng đèn", "tối om"]),
    "moi_truong": ("Môi trường (rác, ô nhiễm)", ["môi trường", "rác", "ô nhiễm", "hôi thối", "khói", "xả thải"]),
    "thoat_nuoc": ("Thoát nước, ngập úng", ["thoát nước", "ngập", "cống", "mương", "úng", "nước đọng"]),
    "an_ninh_trat_tu": ("An ninh trật tự", ["an ninh", "trật tự", "trộm", "đánh nhau", "ồn", "đua xe", "nhậu"]),
    "xay_dung_dat_dai": ("Xây dựng, đất đai", ["xây dựng", "đất đai", "lấn chiếm", "xây trái phép", "lấn đất"]),
    "dien_nuoc": ("Điện, nước sinh hoạt", ["mất điện", "cúp điện", "điện", "mất nước", "nước sinh hoạt", "nước máy"]),
    "lao_dong_bhxh": (  # from the directory's complaint entries (issue 22); the gateway's api/cases/catalog.py
        "Lao động, bảo hiểm xã hội",
        ["bảo hiểm xã hội", "bhxh", "sổ bảo hiểm", "thai sản", "nợ lương", "không trả lương", "chốt sổ"],
    ),
    "khac": ("Việc khác", ["khác", "việc khác"]),
}
EDIT_COMMANDS = {
    "report_category": ["sửa loại", "đổi loại", "chọn loại khác", "sửa nội dung", "sai loại"],
    "report_location": ["sửa địa điểm", "đổi địa điểm", "sửa chỗ", "sửa vị trí", "đổi vị trí"],
    "report_photo": ["sửa ảnh", "thêm ảnh", "gửi lại ảnh", "đổi ảnh"],
    "report_phone": ["sửa số", "đổi số", "sửa sđt", "sửa số điện thoại"],
}
LOCATION_CUES = ["ấp", "thôn", "khu phố", "tổ", "xóm", "gần", "ở", "tại"]
# Words that only say "I want to report" ("tôi muốn gửi phản ánh ạ"), folded: a message made of these alone has not
# said what happened, and the form asks.
_REQUEST_WORDS = {
    "toi", "em", "minh", "anh", "chi", "con", "chau", "bac", "co", "chu", "muon", "can", "xin", "gui", "lam", "phan",
    "kien", "nghi", "bao", "cao", "to", "giac", "mot", "cai", "viec", "van", "de", "su", "voi", "cho", "giup", "ho",
    "nhe", "nha", "a", "ad", "oi", "di", "duoc", "dc", "ve", "nay", "ne", "thong", "tin", "nhan", "ak",
}  # fmt: skip


def category_label(value: Optional[Text]) -> Text:
    return CATEGORIES.get(value or "khac", CATEGORIES["khac"])[0]


def category_from_text(text: Text) -> Optional[Text]:
    folded = fold(text)
    scores = {key: sum(len(w) for w in words if contains_any(folded, [w])) for key, (_, words) in CATEGORIES.items()}
    best = max(scores, key=lambda key: scores[key])
    return best if scores[best] else None


def says_what_happened(text: Text) -> bool:
    """Whether the message describes something, not only asks to report ("Gửi phản ánh", "tôi muốn phản ánh")."""
    if not text or text.startswith("/"):
        return False
    return any(word not in _REQUEST_WORDS for word in re.findall(r"\w+", fold(text)))


def _activation(tracker: Tracker) -> Dict[Text, Any]:
    text = latest_text(tracker)
    updates: Dict[Text, Any] = {"report_cancelled": None, "report_editing": None}
    if text.startswith("/") and tracker.get_slot("clarified_text"):
        # a button ("Gửi phản ánh" under a clarification or another agency's answer): the message it answered
        text = str(tracker.get_slot("clarified_text"))
        updates["clarified_text"] = None
    if tracker.get_slot("report_description") is None:
        updates["report_description"] = text if says_what_happened(text) else None
    if not forms.can_send(tracker, "image"):
        updates["report_photo"] = []  # the channel cannot send one: not asked for
    category = first_entity(tracker, "category")
    if category in CATEGORIES:
        updates["report_category"] = category
    hamlet = first_entity(tracker, "hamlet")
    if hamlet and tracker.get_slot("report_location") is None:
        updates["report_location"] = str(hamlet)
    phone = normalise_phone(first_entity(tracker, "phone"))
    if phone:
        updates["report_phone"] = phone
    return updates


def _media(tracker: Tracker, updates: Dict[Text, Any], dispatcher: Optional[CollectingDispatcher] = None) -> None:
    """Photos and a shared location, taken at any step and acknowledged in words (never silently)."""
    photos = forms.image_urls(tracker)
    if photos:
        updates["report_photo"] = [*(tracker.get_slot("report_photo") or []), *photos]
        if dispatcher is not None:
            dispatcher.utter_message(text=f"Dạ, em đã nhận {len(photos)} ảnh anh/chị gửi.")
    location = forms.shared_location(tracker)
    if location:
        updates["report_latitude"], updates["report_longitude"] = location
        if dispatcher is not None:
            dispatcher.utter_message(
                text=f"Dạ, em đã nhận vị trí anh/chị chia sẻ trên bản đồ ({location[0]:.5f}, {location[1]:.5f})."
            )
        text = latest_text(tracker)
        if not text or text.startswith("/") or tracker.get_slot("requested_slot") != "report_location":
            text = tracker.get_slot("report_location") or ""
        updates["report_location"] = text or f"Vị trí đã chia sẻ trên bản đồ ({location[0]:.5f}, {location[1]:.5f})"


def _correction(tracker: Tracker, requested: Optional[Text], dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
    """Corrections of an earlier answer, e.g. "không phải, ở ấp 4" while being asked for the phone."""
    text = latest_text(tracker)
    marked = forms.has_correction_marker(text) or latest_intent(tracker) == "deny"
    updates: Dict[Text, Any] = {}
    category = first_entity(tracker, "category")
    if requested != "report_category" and category in CATEGORIES and marked:
        updates["report_category"] = category
        dispatcher.utter_message(text=f"Dạ, em đã sửa loại phản ánh thành: {category_label(category)}.")
        return updates
    hamlet = first_entity(tracker, "hamlet")
    if requested != "report_location" and (
        (hamlet and (marked or requested == "report_confirmed"))
        or (forms.has_correction_marker(text) and contains_any(fold(text), LOCATION_CUES))
    ):
        updates["report_location"] = forms.strip_correction(text)
        dispatcher.utter_message(text=f"Dạ, em đã sửa địa điểm thành: {updates['report_location']}.")
    return updates


def _phone_aside(tracker: Tracker, requested: Optional[Text], dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
    phone = normalise_phone(first_entity(tracker, "phone")) or normalise_phone(latest_text(tracker))
    if requested in ("report_phone", None) or not phone or phone == tracker.get_slot("report_phone"):
        return {}
    dispatcher.utter_message(text=f"Dạ, em đã ghi số liên hệ: {phone}.")
    return {"report_phone": phone}


def _edit_command(text: Text) -> Optional[Text]:
    """ "sửa địa điểm" (the edit menu's buttons, or typed) → the slot to ask again."""
    folded = fold(text)
    if len(folded.split()) > 6:
        return None
    return next((slot for slot, commands in EDIT_COMMANDS.items() if contains_any(folded, commands)), None)


def _description(tracker: Tracker, text: Text) -> Dict[Text, Any]:
    """What happened, in the citizen's words; the category and the place are taken from it when it names them."""
    updates: Dict[Text, Any] = {"report_description": text if says_what_happened(text) else None}
    category = first_entity(tracker, "category")
    if category not in CATEGORIES and updates["report_description"]:
        category = category_from_text(text)
    if category in CATEGORIES and tracker.get_slot("report_category") is None:
        updates["report_category"] = category
    hamlet = first_entity(tracker, "hamlet")
    if hamlet and updates["report_description"] and tracker.get_slot("report_location") is None:
        updates["report_location"] = str(hamlet)
    return updates


def _answer(tracker: Tracker, requested: Text, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
    text = latest_text(tracker)
    if not text and requested != "report_photo":
        return {requested: None}  # a sticker or an empty message: ask again
    if requested == "report_description":
        return _description(tracker, text)
    if requested == "report_category":
        category = first_entity(tracker, "category")
        category = category if category in CATEGORIES else category_from_text(text) or "khac"
        return {"report_category": category}
    if requested == "report_location":
        location = forms.strip_correction(text) if text and not text.startswith("/") else None
        return {"report_location": location}  # None: asked again
    if requested == "report_photo":
        if forms.is_skip(text):
            return {"report_photo": []}
        dispatcher.utter_message(text="Dạ, em chưa nhận được ảnh ạ.")
        return {"report_photo": None}
    if requested == "report_phone":
        if forms.is_skip(text):
            return {"report_phone": "anonymous"}
        phone = normalise_phone(first_entity(tracker, "phone")) or normalise_phone(text)
        if phone is None:
            dispatcher.utter_message(text="Dạ, số điện thoại chưa đúng (ví dụ 0912345678). Anh/chị nhập lại giúp em ạ.")
        return {"report_phone": phone}
    # report_confirmed
    if forms.is_yes(tracker):
        return {"report_confirmed": True}
    return {"report_confirmed": None, "report_editing": forms.is_no(tracker) or None}


class ValidateReportForm(Action):
    def name(self) -> Text:
        return "validate_report_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        if forms.is_cancel(text):
            return [SlotSet("report_cancelled", True), SlotSet("requested_slot", None)]
        if requested is None:
            prefilled = _activation(tracker)
            _media(tracker, prefilled)
            return forms.slot_events(prefilled, ORDER, tracker)
        edit = _edit_command(text)
        if edit:
            return forms.slot_events({edit: None, "report_confirmed": None, "report_editing": None}, ORDER, tracker)
        corrections = _correction(tracker, requested, dispatcher)
        if corrections:
            if requested == "report_confirmed":
                corrections.update(report_confirmed=None, report_editing=None)  # read the summary back again
            return forms.slot_events(corrections, ORDER, tracker)
        updates: Dict[Text, Any] = {}
        _media(tracker, updates, dispatcher)
        if not updates and forms.is_interruption(tracker):
            return []  # let the rules answer the question; the form then asks again
        updates.update(_phone_aside(tracker, requested, dispatcher))
        if requested not in updates and (text or not updates):
            for key, value in _answer(tracker, requested, dispatcher).items():
                updates.setdefault(key, value)
        return forms.slot_events(updates, ORDER, tracker)


class ActionAskReportCategory(Action):
    def name(self) -> Text:
        return "action_ask_report_category"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(
            text="Dạ, anh/chị muốn phản ánh về việc gì ạ? Anh/chị chọn một mục bên dưới:",
            buttons=[
                {"title": label, "payload": f'/report_issue{{"category":"{key}"}}'}
                for key, (label, _) in CATEGORIES.items()
            ],
        )
        return []


def summary(tracker: Tracker) -> Text:
    photos = tracker.get_slot("report_photo") or []
    phone = tracker.get_slot("report_phone")
    lines = [
        "Dạ, em xin đọc lại phản ánh của anh/chị:",
        f"- Loại: {category_label(tracker.get_slot('report_category'))}",
    ]
    description = (tracker.get_slot("report_description") or "").strip()
    if description:
        lines.append(f"- Nội dung: {description[:200]}")
    lines.append(f"- Địa điểm: {(tracker.get_slot('report_location') or '')[:150]}")
    latitude, longitude = tracker.get_slot("report_latitude"), tracker.get_slot("report_longitude")
    if latitude is not None and longitude is not None:
        lines.append(f"- Vị trí trên bản đồ: đã nhận ({float(latitude):.5f}, {float(longitude):.5f})")
    lines.append(f"- Ảnh: {len(photos)} ảnh" if photos else "- Ảnh: không có")
    lines.append(f"- Liên hệ: {phone}" if phone and phone != "anonymous" else "- Liên hệ: ẩn danh")
    lines.append("Anh/chị xác nhận gửi phản ánh này chứ ạ?")
    return "\n".join(lines)


class ActionAskReportConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_report_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.get_slot("report_editing"):
            dispatcher.utter_message(
                text="Dạ, anh/chị muốn sửa thông tin nào ạ?",
                buttons=[
                    {"title": "Loại sự việc", "payload": "sửa loại sự việc"},
                    {"title": "Địa điểm", "payload": "sửa địa điểm"},
                    {"title": "Ảnh", "payload": "sửa ảnh"},
                    {"title": "Số điện thoại", "payload": "sửa số điện thoại"},
                    {"title": "Gửi luôn", "payload": "/affirm"},
                    {"title": "Hủy phản ánh", "payload": "hủy phản ánh"},
                ],
            )
            return [SlotSet("report_editing", None)]
        dispatcher.utter_message(
            text=summary(tracker),
            buttons=[
                {"title": "Gửi phản ánh", "payload": "/affirm"},
                {"title": "Sửa thông tin", "payload": "/deny"},
                {"title": "Hủy", "payload": "hủy phản ánh"},
            ],
        )
        return []


def case_payload(tracker: Tracker) -> Dict[Text, Any]:
    category = tracker.get_slot("report_category") or "khac"
    location = (tracker.get_slot("report_location") or "").strip()
    description = (tracker.get_slot("report_description") or "").strip() or category_label(category)
    phone = tracker.get_slot("report_phone")
    return {
        "commune": commune_slug(tracker),
        "kind": "report",
        "category": category,
        "title": f"{category_label(category).split(' (')[0]}: {location[:80] or description[:80]}",
        "description": description,
        "location_text": location or None,
        "latitude": tracker.get_slot("report_latitude"),
        "longitude": tracker.get_slot("report_longitude"),
        "attachments": list(tracker.get_slot("report_photo") or []),
        "priority": None,
        "conversation_id": tracker.sender_id,
        "channel": channel(tracker),
        "turn_id": turn_id(tracker),
        "contact_name": None,
        "contact_phone": phone if phone and phone != "anonymous" else None,
    }


def received_text(case: Dict[Text, Any], noun: Text = "phản ánh") -> Text:
    department = (case.get("department") or {}).get("name") or "bộ phận tiếp nhận của UBND xã"
    due = format_due(case.get("due_at"))
    text = f"Dạ, em đã chuyển {noun} tới {department}. Mã {noun}: {case.get('code')}."
    if due:
        text += f" Thời hạn xử lý dự kiến: trước {due}."
    return text + f' Anh/chị nhắn "kiểm tra {case.get("code")}" để theo dõi ạ.'


def received_buttons(case: Dict[Text, Any]) -> List[Dict[Text, Text]]:
    """One tap to look the new case up (the same words the text tells the citizen to send)."""
    return [{"title": "Tra cứu hồ sơ này", "payload": f"kiểm tra {case.get('code')}"}] if case.get("code") else []


class ActionSubmitReport(Action):
    def name(self) -> Text:
        return "action_submit_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reset = [SlotSet(slot, None) for slot in ALL_SLOTS]
        if tracker.get_slot("report_cancelled") or not tracker.get_slot("report_confirmed"):
            dispatcher.utter_message(text="Dạ, em đã hủy phản ánh này. Khi cần, anh/chị cứ nhắn lại cho em ạ.")
            return reset
        try:
            case = await gateway().create_case(case_payload(tracker))
        except GatewayError:
            dispatcher.utter_message(
                text="Dạ, hệ thống đang bận nên em chưa gửi được phản ánh. Em vẫn giữ thông tin; anh/chị nhắn "
                '"gửi lại phản ánh" sau ít phút giúp em ạ.'
            )
            return [SlotSet("report_confirmed", None), SlotSet("report_cancelled", None)]
        dispatcher.utter_message(text=received_text(case), buttons=received_buttons(case))
        return reset
