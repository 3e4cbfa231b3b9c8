"""Honest answers when the bot is not the right place: where to ask instead, and "em không thể tư vấn chuyên môn".

Referrals come from the editable knowledge/referrals.yml (agency, where, hotline, portal per topic, matched by
keywords). A health question that asks for professional judgement (a dose, a test result, a diagnosis, whether a
disease can be cured) is never answered from general guidance: the citizen gets an honest refusal, the booking offer
and the health station's phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, List, Mapping, Optional, Text, Tuple

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import CAPABILITIES, clarified_text, clarify, ranked_options
from actions.common import contains_any, fold
from actions.directory import answer_directory, match_directory
from actions.knowledge import KNOWLEDGE_DIR

CANNOT_ADVISE = "Dạ, em không thể tư vấn chuyên môn về vấn đề này"
# What only a health worker can answer: doses and changing medicines, test results, diagnoses, prognoses.
PROFESSIONAL_WORDS = (
    "liều", "tăng liều", "giảm liều", "gấp đôi", "ngưng thuốc", "bỏ thuốc", "đổi thuốc", "uống thuốc gì", "thuốc gì",
    "kháng sinh", "insulin", "metformin", "amlodipin", "aspirin", "warfarin", "paracetamol", "ibuprofen",
    "omeprazol", "levothyroxine", "amoxicillin", "thuốc ngủ", "thuốc bổ", "thực phẩm chức năng", "tiêm thuốc",
    "chỉ số", "xét nghiệm", "kết quả", "hba1c", "cholesterol", "triglycerid", "creatinin", "men gan", "acid uric",
    "hemoglobin", "bạch cầu", "mmol", "mg/dl", "siêu âm", "chụp phim", "nội soi",
    "có phải bị", "có phải là", "bị bệnh gì", "là bệnh gì", "có đáng lo", "cao hay thấp", "có cao không",
    "chữa được không", "chữa khỏi", "có chữa được", "có phải mổ", "có cần mổ", "mổ được không", "có lây",
    "ung thư", "khối u", "u xơ", "sỏi thận", "suy thận", "xơ gan", "viêm gan", "đục thủy tinh thể", "võng mạc",
)  # fmt: skip
NUMBER_WITH_MEASURE = ("huyết áp", "đường huyết", "đường máu", "chỉ số")


@dataclass(frozen=True)
class Referral:
    id: Text
    topic: Text
    keywords: Tuple[Text, ...]
    agency: Text
    where: Text
    hotline: Text
    portal: Text


@lru_cache(maxsize=1)
def _data() -> Dict[Text, Any]:
    with (KNOWLEDGE_DIR / "referrals.yml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return data if isinstance(data, dict) else {}


def referrals() -> List[Referral]:
    items = _data().get("referrals") or ()
    fields = ("topic", "agency", "where", "hotline", "portal")
    return [
        Referral(
            id=str(item["id"]),
            keywords=tuple(str(k) for k in item.get("keywords") or ()),
            **{name: str(item.get(name) or "") for name in fields},
        )
        for item in items
    ]


def match_referral(text: Text) -> Optional[Referral]:
    """The referral with the most matching keywords (the longest keyword breaks ties)."""
    folded = fold(text)
    best: Tuple[int, int, Optional[Referral]] = (0, 0, None)
    for referral in referrals():
        hits = [k for k in referral.keywords if contains_any(folded, [k])]
        score = (len(hits), max((len(fold(k)) for k in hits), default=0))
        if hits and score > best[:2]:
            best = (*score, referral)
    return best[2]


def referral_text(referral: Referral) -> Text:
    if "UBND xã" in referral.agency.split(";")[0]:  # the commune handles it (household business since 2025): say so
        lines = [f"Dạ, việc {referral.topic}: {referral.agency}."]
    else:
        lines = [f"Dạ, việc {referral.topic} không do trợ lý của xã giải quyết ạ. Anh/chị nên hỏi: {referral.agency}."]
    if referral.where:
        lines.append(f"- Nộp/liên hệ: {referral.where}.")
    if referral.hotline:
        lines.append(f"- Đường dây nóng: {referral.hotline}.")
    if referral.portal:
        lines.append(f"- Cổng thông tin: {referral.portal}")
    return "\n".join(lines)


def needs_professional(text: Text) -> bool:
    """A question only a health worker can answer: medicines and doses, test results, diagnoses, cures."""
    folded = fold(text)
    if contains_any(folded, PROFESSIONAL_WORDS):
        return True
    has_number = any(ch.isdigit() for ch in folded)
    return has_number and contains_any(folded, NUMBER_WITH_MEASURE)


def health_station(commune: Optional[Mapping[Text, Any]]) -> Dict[Text, Text]:
    """The health station's name and phone: the commune's settings, else referrals.yml, else the commune's phone."""
    station = {k: str(v or "") for k, v in (_data().get("health_station") or {}).items()}
    override = ((commune or {}).get("settings") or {}).get("health_station")
    if isinstance(override, Mapping):
        station.update({k: str(v) for k, v in override.items() if v})
    if not station.get("phone"):
        phones = (commune or {}).get("phones") or []
        station["phone"] = str(phones[0]) if phones else ""
    station.setdefault("name", "Trạm y tế xã")
    return station


def cannot_advise_text(station: Mapping[Text, Text]) -> Text:
    text = (
        f"{CANNOT_ADVISE} (thuốc, liều dùng, kết quả xét nghiệm hay chẩn đoán cần nhân viên y tế trực tiếp khám và "
        f"trả lời). Anh/chị có thể đặt lịch tư vấn với cán bộ {station.get('name') or 'trạm y tế xã'}"
    )
    if station.get("phone"):
        text += f" hoặc gọi số {station['phone']}"
    return text + ". Nếu có dấu hiệu nặng (khó thở, đau ngực, lơ mơ, co giật, chảy máu nhiều), gọi ngay 115 ạ."


class ActionRefer(Action):
    """out_of_scope: where to ask instead, from knowledge/referrals.yml; a likely in-scope reading is asked about."""

    def name(self) -> Text:
        return "action_refer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = clarified_text(tracker)
        done: List[EventType] = [SlotSet("clarified_text", None)] if tracker.get_slot("clarified_text") else []
        entry = match_directory(text)  # a procedure of another agency (knowledge/directory/): who, how, online
        if entry is not None:
            return [*done, *answer_directory(dispatcher, entry, text)]  # a complaint keeps its words for the form
        referral = match_referral(text)
        if referral is not None:
            dispatcher.utter_message(text=referral_text(referral))
            return done
        if ranked_options(tracker, exclude={"out_of_scope"}, min_confidence=0.2):
            return clarify(dispatcher, tracker, exclude={"out_of_scope"})
        fallback = str((_data().get("fallback") or {}).get("text") or "")
        dispatcher.utter_message(text=fallback.strip(), buttons=CAPABILITIES)
        return done
