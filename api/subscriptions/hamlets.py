"""Reading a hamlet (ấp, thôn, xóm, khóm, khu phố, tổ dân phố) from what a citizen types, with or without marks.

A commune lists its hamlets (table ``commune_hamlets``, set at onboarding: api/province/onboarding.py; an older
``communes.settings["hamlets"]`` list is still read when the table has none); answers are matched against that list,
so "ap 3", "Ấp 3", "ấp ba" and, when asked, a bare "3" all mean "Ấp 3". Without a list any "<keyword> <name>" is taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import object_session

from api.communes.models import Commune
from api.communes.models import Hamlet as HamletRow
from api.subscriptions.commands import normalise

KEYWORDS = {
    "to dan pho": "Tổ dân phố", "khu pho": "Khu phố", "ap": "Ấp", "thon": "Thôn", "xom": "Xóm", "khom": "Khóm",
    "ban": "Bản", "kp": "Khu phố", "tdp": "Tổ dân phố", "to": "Tổ",
}  # fmt: skip
_KEYWORD_RE = "|".join(sorted((re.escape(k) for k in KEYWORDS), key=len, reverse=True))
_HAMLET = re.compile(rf"(?:^| )({_KEYWORD_RE}) ([a-z0-9]+(?: [a-z0-9]+){{0,2}})$")
NUMBER_WORDS = {
    "mot": "1", "hai": "2", "ba": "3", "bon": "4", "tu": "4", "nam": "5", "sau": "6", "bay": "7", "tam": "8",
    "chin": "9", "muoi": "10",
}  # fmt: skip
_LEADS = ("toi o", "minh o", "em o", "con o", "nha o", "o", "tai", "dia chi", "la", "thuoc", "song o", "nha toi o")
MAX_ANSWER_WORDS = 8


@dataclass(frozen=True)
class Hamlet:
    name: str  # as shown: "Ấp 3"
    key: str  # folded for matching: "ap 3"


def hamlet_key(name: str) -> str:
    words = normalise(name).split()
    return " ".join(NUMBER_WORDS.get(w, w) if i else w for i, w in enumerate(words))


def _strip_leads(folded: str) -> str:
    for lead in sorted(_LEADS, key=len, reverse=True):
        if folded.startswith(lead + " "):
            return folded[len(lead) + 1 :]
    return folded


def configured(settings: dict[str, object] | None) -> list[Hamlet]:
    names = (settings or {}).get("hamlets")
    if not isinstance(names, list):
        return []
    return [Hamlet(str(n).strip(), hamlet_key(str(n))) for n in names if str(n).strip()]


def known_hamlets(commune: Commune) -> list[Hamlet]:
    """The commune's hamlet list: its rows, else the legacy settings list, else none."""
    session = object_session(commune)
    if session is not None and commune.id is not None:
        rows = session.scalars(
            select(HamletRow).where(HamletRow.commune_id == commune.id).order_by(HamletRow.position, HamletRow.id)
        ).all()
        if rows:
            return [Hamlet(row.name, row.key) for row in rows]
    return configured(commune.settings)


def parse_hamlet(text: str, known: list[Hamlet], *, bare_number: bool = False) -> Hamlet | None:
    """The hamlet named in a short answer, or None. ``bare_number``: a lone "3" counts (we just asked)."""
    folded = _strip_leads(normalise(text))
    if not folded or len(folded.split()) > MAX_ANSWER_WORDS:
        return None
    for hamlet in known:  # a listed name anywhere in the answer ("nhà tôi ở thôn Đông ạ")
        if f" {hamlet.key} " in f" {hamlet_key(folded)} ":
            return hamlet
    words = folded.split()
    if bare_number and len(words) == 1 and (words[0].isdigit() or words[0] in NUMBER_WORDS):
        number = NUMBER_WORDS.get(words[0], words[0])
        matches = [h for h in known if h.key.split()[-1] == number]
        if len(matches) == 1:
            return matches[0]
        if not known:
            return Hamlet(f"Ấp {number}", f"ap {number}")
        return None
    match = _HAMLET.search(folded.removesuffix(" a").removesuffix(" nhe"))
    if match is None or known:
        return None  # with a list, only its names are accepted
    keyword, name = match.group(1), match.group(2)
    key = hamlet_key(f"{keyword} {name}")
    number = NUMBER_WORDS.get(name, name if name.isdigit() else "")
    shown_name = number or _shown(text, len(name.split())) or name
    return Hamlet(f"{KEYWORDS[keyword]} {shown_name}", key)


def _shown(original: str, words: int) -> str:
    """The last ``words`` words as the citizen typed them (with their marks), capitalised."""
    parts = re.sub(r"[^\w\s]+", " ", original).split()
    tail = [p.removesuffix("ạ") for p in parts[-words:]] if words else []
    return " ".join(w[:1].upper() + w[1:] for w in tail if w)
