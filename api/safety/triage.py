"""Structured emergency triage: read a message into fields, then decide from the fields, explainably.

Fields (``Reading``): *who* (newborn under 2 months, child, pregnant woman, elderly, adult, several people), *what*
(situation families: mental-health crisis, violence/crime, fire/explosion, drowning/trapped/flood, choking, poisoning,
injury, medical), *danger* signs (WHO IMCI general danger signs; the ABCDE signs of WHO/ICRC Basic Emergency Care),
*when* (now, a general question or hypothetical, a past event) and *severity* (mild/local vs danger signs).

The decision (``Decision.action``):

- ``alarm``: something is happening now and is dangerous: the numbers (113 police, 114 fire and rescue, 115 medical;
  several when several apply, police/fire first) and the one first-aid text; the health station gets an urgent case
  that shows these fields;
- ``firstaid``: a general first-aid question: the guidance itself and "if it is happening now, call ..." (no case);
- ``homecare``: a mild local injury: home care and the signs that mean go now; ``fever``/``diarrhoea``: a child's
  fever or loose stools without danger signs: that guidance and the danger signs to watch for;
- ``none``: normal handling (idioms, paperwork frustration, past events, everything else).

The lexicon (``api/safety/lexicon.py``) is part of the reading (its situations name the first-aid text). Everything
here is pure Python over the folded text: it runs in the gateway in every conversation state, with Rasa down too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.safety import lexicon as lex
from api.safety import vocabulary as v
from api.safety.lexicon import _HURT, _REQUIRES, _THING_HIT, SITUATIONS, _any, _signs, fold

FAMILY_NAMES = {
    "mental": "khủng hoảng tâm lý, nguy cơ tự tử", "violence": "bạo lực, tội phạm", "fire": "cháy, nổ",
    "drowning": "đuối nước, mắc kẹt, lũ, sạt lở", "choking": "hóc, nghẹn", "poisoning": "ngộ độc",
    "injury": "chấn thương", "medical": "bệnh cấp tính",
}  # fmt: skip
WHO_NAMES = {
    "newborn": "trẻ dưới 2 tháng", "child": "trẻ em", "pregnant": "phụ nữ mang thai", "elderly": "người cao tuổi",
    "several": "nhiều người", "adult": "người lớn",
}  # fmt: skip
WHEN_NAMES = {"now": "đang xảy ra", "question": "câu hỏi chung", "past": "đã qua"}
NUMBER_NAMES = {"113": "công an", "114": "cứu hỏa, cứu nạn", "115": "cấp cứu"}
_INJURY_SITUATIONS = {"chay_mau", "bong", "dien_giat", "ran_can", "chan_thuong"}
_MEDICAL_SITUATIONS = {
    "ngung_tho", "dau_nguc", "dot_quy", "co_giat", "sot_nguy_hiem", "soc_phan_ve", "bat_tinh", "kho_tho", "sinh_de",
}  # fmt: skip
# Danger signs that are an emergency in anyone (ABCDE): without them an adult's symptoms alone are not an alarm.
_SEVERE = {"không thở", "khó thở", "tím tái", "bất tỉnh, li bì", "co giật", "chảy máu nhiều", "đau ngực",
           "dấu hiệu đột quỵ", "sốc, da lạnh", "sưng mặt, nổi mẩn toàn thân", "chấn thương nặng"}  # fmt: skip
_OUT_OF_WATER = _any(r"vot len", r"keo (?:vo|vao) bo", r"sac nuoc")
_PAPERWORK = _any(
    r"giay", r"ho so", r"thu tuc", r"khai sinh", r"so do", r"can cuoc", r"mat khau", r"dang ky", r"xac nhan",
    r"tai khoan", r"tro cap", r"che do", r"bao hiem",
)  # fmt: skip
_DIARRHOEA = _any(r"tieu chay", r"di ngoai", r"phan long")
_STRONG_NOW = _any(
    r"dang(?! (?:dieu tri|nam vien|o benh vien|theo doi))",
    r"bay gio",
    r"vua",
    r"luc nay",
    r"cuu (?:voi|em|toi|giup)",
    r"gio lai",
    r"lai (?:bi|len|meo|co|dau|kho|ngat)",
    r"gap lam",
)
_SOMEONE = _any(r"co (?:chu|co|bac|ong|ba|nguoi|anh|chi|dua|thang|con|em)", r"(?:ba|bo|me|ong|chong|vo) (?:em|toi|tui)")
# Two weak signs of a fire or a flood are the event itself; not so for a theft.
_TWO_WEAK = {"fire", "drowning"}
_AGE_MONTHS = re.compile(r"(?<![a-z0-9])(\d+) thang(?! (?:nay|truoc|roi|sau|\d))")


@dataclass(frozen=True)
class Reading:
    who: str
    what: tuple[str, ...]
    danger: tuple[str, ...]
    when: str
    mild: bool
    fever: bool
    lexicon: str | None  # the lexicon's situation, if it names one

    def explain(self) -> str:
        """What the health station reads on the urgent case."""
        what = ", ".join(FAMILY_NAMES[f] for f in self.what) or "chưa rõ"
        danger = ", ".join(self.danger) or "không thấy"
        return (
            f"Ai: {WHO_NAMES[self.who]}. Chuyện gì: {what}. Dấu hiệu nguy hiểm: {danger}. "
            f"Thời điểm: {WHEN_NAMES[self.when]}."
        )


@dataclass(frozen=True)
class Decision:
    action: str  # alarm | firstaid | homecare | fever | diarrhoea | none
    situation: str | None  # the cap_cuu.yml text (alarm, firstaid)
    numbers: tuple[str, ...]  # to call, the first one first
    reading: Reading

    @property
    def emergency(self) -> bool:
        return self.action == "alarm"

    def explain(self) -> str:
        numbers = ", ".join(f"{n} ({NUMBER_NAMES[n]})" for n in self.numbers)
        return f"{self.reading.explain()} Số cần gọi: {numbers or 'không'}."


# Words that fold to the same letters: when the citizen typed the marks, keep them apart ("chạy chợ" is running to
# the market, "cháy chợ" a market fire; "học"/"hóc", "bóng"/"bỏng", "xíu"/"xỉu", "nghén"/"nghẹn").
_HOMOGRAPHS = {
    "chạy": "chạyj", "học": "họcj", "bóng": "bóngj", "xíu": "xíuj", "nghén": "nghénj", "dâng": "dângj", "mổ": "mổj",
    "súng": "súngj",
}  # fmt: skip
_HOMOGRAPH = re.compile(r"(?<!\w)(?:" + "|".join(_HOMOGRAPHS) + r")(?!\w)", re.IGNORECASE)


def folded_text(text: str) -> str:
    return fold(_HOMOGRAPH.sub(lambda m: _HOMOGRAPHS[m.group(0).lower()], text or ""))


def _who(folded: str) -> str:
    months = [int(m) for m in _AGE_MONTHS.findall(folded)]
    if v.PREGNANT.search(folded):
        return "pregnant"
    if v.NEWBORN.search(folded) or any(m < 2 for m in months):
        return "newborn"
    for name, pattern in (("several", v.SEVERAL), ("elderly", v.ELDERLY)):
        if pattern.search(folded):
            return name
    return "child" if v.CHILD.search(folded) else "adult"


def _lexicon_situation(folded: str) -> str | None:
    for name, pattern in SITUATIONS:
        if _signs(folded, pattern) and (name not in _REQUIRES or _signs(folded, _REQUIRES[name])):
            return name
    return None


def _families(folded: str, lexicon: str | None, evidence: bool) -> tuple[str, ...]:
    found = {
        "mental": _signs(folded, v.MENTAL) or lexicon == "tu_tu",
        "violence": _signs(folded, v.VIOLENCE),
        "fire": _signs(folded, v.FIRE) or lexicon == "chay_nha",
        "choking": _signs(folded, v.CHOKING) or lexicon == "hoc_di_vat",
        "drowning": _signs(folded, v.RESCUE) or lexicon == "duoi_nuoc",
        "poisoning": _signs(folded, v.POISONING) or lexicon == "ngo_doc",
        "injury": _signs(folded, v.INJURY) or lexicon in _INJURY_SITUATIONS,
        "medical": lexicon in _MEDICAL_SITUATIONS,
    }
    for name, weak in v.WEAK.items():  # a weak sign counts with evidence, or with a second weak sign of its own
        signs = {m.group(0) for m in weak.finditer(folded)}
        found[name] = found[name] or (evidence and _signs(folded, weak)) or (len(signs) >= 2 and name in _TWO_WEAK)
    if found["injury"] and _THING_HIT.search(folded) and not _HURT.search(folded):
        found["injury"] = False  # "trụ đèn bị xe tông": a report about a lamp post
    return tuple(name for name, present in found.items() if present)


def read(text: str) -> Reading:
    folded = re.sub(r"\s+", " ", v.IDIOM.sub(" ", folded_text(text))).strip()  # figures of speech are not events
    lexicon = _lexicon_situation(folded)
    who = _who(folded)
    danger = [name for name, pattern in v.DANGER if _signs(folded, pattern)]
    fever = _signs(folded, v.FEVER)
    if who == "newborn" and fever:
        danger.append("sốt ở trẻ dưới 2 tháng")
    strong_now = bool(_STRONG_NOW.search(folded))
    if (v.PAST.search(folded) or lexicon_past(folded)) and not strong_now:
        when = "past"
    elif (
        v.QUESTION.search(folded)
        or v.HYPOTHETICAL.search(folded)
        or lex.GENERAL.search(folded)
        or text.rstrip().endswith("?")
    ) and not (strong_now or (danger and (v.NOW.search(folded) or _SOMEONE.search(folded)))):
        when = "question"
    else:
        when = "now"
    mild = bool(v.MILD.search(folded) or v.RESOLVED.search(folded))
    evidence = bool(danger or strong_now or v.WEAPON.search(folded))
    what = _families(folded, lexicon, evidence)
    return Reading(who, what, tuple(danger), when, mild, fever, lexicon)


def lexicon_past(folded: str) -> bool:
    return bool(lex.PAST.search(folded))


def _numbers(reading: Reading, folded: str) -> tuple[str, ...]:
    numbers: list[str] = []
    if "violence" in reading.what:
        numbers.append("113")
    if "fire" in reading.what:
        numbers.append("114")
    if "drowning" in reading.what and not _OUT_OF_WATER.search(folded):
        hurt = "injury" in reading.what and {"chảy máu nhiều", "chấn thương nặng"} & set(reading.danger)
        numbers += ["115", "114"] if hurt and not numbers else ["114"]
    numbers += [n for n in ("115",) if n not in numbers]
    return tuple(dict.fromkeys(numbers))


def _situation(reading: Reading, folded: str) -> str:
    what, danger = reading.what, set(reading.danger)
    if "mental" in what:
        return "tu_tu"
    if "violence" in what:
        return "bao_luc"
    if "fire" in what:
        return "chay_nha"
    if "choking" in what:
        return "hoc_di_vat"
    if "drowning" in what:
        return "duoi_nuoc" if _OUT_OF_WATER.search(folded) or "không thở" in danger else "mac_ket"
    if "poisoning" in what:
        return "ngo_doc"
    if reading.lexicon:
        return reading.lexicon
    if "mắt trũng, mất nước" in danger or _DIARRHOEA.search(folded):
        return "mat_nuoc"
    if reading.fever:
        return "sot_nguy_hiem"
    for sign, situation in (("không thở", "ngung_tho"), ("bất tỉnh, li bì", "bat_tinh"), ("khó thở", "kho_tho"),
                            ("co giật", "co_giat"), ("chảy máu nhiều", "chay_mau")):  # fmt: skip
        if sign in danger:
            return situation
    return "chung" if "injury" not in what else "chan_thuong"


def _is_alarm(reading: Reading, folded: str) -> bool:
    danger = set(reading.danger)
    if reading.mild and not danger & _SEVERE:
        return False
    if {"mental", "violence", "fire", "drowning", "choking", "poisoning"} & set(reading.what):
        return True
    if reading.lexicon in _MEDICAL_SITUATIONS or "injury" in reading.what:
        return True
    if reading.who in ("newborn", "child", "pregnant") and danger:
        return True  # IMCI: any general danger sign in a child is urgent referral
    if danger & _SEVERE:
        return True
    return bool(reading.lexicon == "chung" and not _PAPERWORK.search(folded) and lex.classify(folded).emergency)


def decide(text: str) -> Decision:
    """The action for ``text`` and why (``Decision.explain``)."""
    if not text or text.lstrip().startswith("/"):
        return Decision("none", None, (), Reading("adult", (), (), "now", False, False, None))
    reading = read(text)
    folded = folded_text(text)
    serious = _is_alarm(reading, folded)
    if reading.when == "question" and (reading.what or reading.lexicon):
        situation = _situation(reading, folded)
        return Decision("firstaid", situation, _numbers(reading, folded), reading)
    if reading.when == "question":
        return Decision("none", None, (), reading)
    if reading.when == "past":
        if reading.mild and reading.what and not set(reading.danger) & _SEVERE:
            return Decision("homecare", None, ("115",), reading)  # "sưng nhẹ": the lexicon reads mild as not now
        if reading.fever and not reading.danger:
            return Decision("fever", None, (), reading)
        return Decision("none", None, (), reading)
    if serious:
        return Decision("alarm", _situation(reading, folded), _numbers(reading, folded), reading)
    if (reading.fever and reading.who in ("newborn", "child")) or (reading.fever and not reading.what):
        return Decision("fever", None, (), reading)
    if _DIARRHOEA.search(folded) and reading.who in ("child", "newborn"):
        return Decision("diarrhoea", None, (), reading)
    if reading.what and reading.mild:
        return Decision("homecare", None, ("115",), reading)
    return Decision("none", None, (), reading)
