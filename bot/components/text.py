"""Pure Vietnamese text helpers shared by the components, the evaluation and the tests (no Rasa imports)."""

from __future__ import annotations

import re
import unicodedata
from typing import Dict, Iterator, List, Tuple

# Zero-width characters and the BOM that Zalo/Facebook copy-paste leaves inside words.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\t\r\n]")
# A syllable/word: letters and digits, optionally joined by - . / (case codes, phone numbers, dates, 17h30).
# Emoji and other symbols are tokens of their own (👍 means "yes" to many citizens).
TOKEN_RE = re.compile(r"[^\W_]+(?:[-./][^\W_]+)*|[\u2600-\u27bf\U0001f300-\U0001faff]", re.UNICODE)
_REPEATS = re.compile(r"([a-z])\1{2,}")

# Teencode and abbreviations, keyed by the accent-folded lowercase form, expanded to folded words.
TEENCODE: Dict[str, str] = {
    "ko": "khong", "k": "khong", "kg": "khong", "kh": "khong", "khg": "khong", "hok": "khong", "hem": "khong",
    "khum": "khong", "kco": "khong co", "kp": "khu pho",
    "dc": "duoc", "dk": "dang ky", "dky": "dang ky", "dag": "dang",
    "j": "gi", "ji": "gi", "ntn": "nhu the nao",
    "sdt": "so dien thoai", "dt": "dien thoai", "dthoai": "dien thoai",
    "gks": "giay khai sinh", "cccd": "can cuoc cong dan", "cmnd": "chung minh nhan dan", "cmt": "chung minh thu",
    "ad": "admin", "add": "admin", "ubnd": "uy ban nhan dan", "ub": "uy ban", "ubx": "uy ban xa",
    "mik": "minh", "mk": "minh", "mh": "minh", "mjk": "minh", "e": "em", "ng": "nguoi",
    "z": "vay", "v": "vay", "r": "roi", "ok": "ok", "oke": "ok", "okie": "ok", "oki": "ok", "okay": "ok",
    "okela": "ok", "uk": "uh", "um": "uh", "uhm": "uh",
    "tks": "thanks", "thks": "thanks", "thanx": "thanks", "thank": "thanks", "thankyou": "thanks", "camon": "cam on",
    "bik": "biet", "bit": "biet", "wa": "qua", "qa": "qua", "hnay": "hom nay", "lm": "lam", "vs": "voi",
    "trc": "truoc", "ns": "noi", "cx": "cung", "cg": "cung", "dv": "dich vu", "xn": "xac nhan",
    "tthn": "tinh trang hon nhan", "vk": "vo", "ck": "chong", "bs": "bac si", "bsi": "bac si",
    "bv": "benh vien", "tyt": "tram y te", "ms": "moi", "nhiu": "nhieu", "bnh": "bao nhieu",
    "tdp": "to dan pho", "hs": "ho so", "hso": "ho so", "tt": "thu tuc", "ctt": "chung thuc",
}  # fmt: skip

VIETNAMESE_LETTERS = set("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ")


def clean(text: str) -> str:
    """NFC, without invisible characters, odd spaces as plain spaces (each one stays one character)."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return _ODD_SPACES.sub(" ", text)


def _fold_char(char: str) -> str:
    if char in "đĐ":
        return "d" if char == "đ" else "D"
    decomposed = unicodedata.normalize("NFD", char)
    return decomposed[0] if decomposed else char


def fold(text: str) -> str:
    """Remove Vietnamese diacritics character by character: ``len(fold(s)) == len(s)`` for NFC text."""
    return "".join(_fold_char(c) if ord(c) > 127 else c for c in text)


def has_diacritics(text: str) -> bool:
    """True when the text contains any Vietnamese accented letter (the eval splits on this)."""
    return any(c in VIETNAMESE_LETTERS for c in clean(text).lower())


def lemma(word: str) -> str:
    """The feature form of one word: lowercase, accent-folded, elongations squeezed, teencode expanded."""
    folded = fold(word.lower())
    if folded in TEENCODE:  # before squeezing: "cccd" is not an elongated "cd"
        return TEENCODE[folded]
    squeezed = _REPEATS.sub(r"\1", folded)
    return TEENCODE.get(squeezed, squeezed)


def spans(text: str) -> Iterator[Tuple[int, int]]:
    """(start, end) of every syllable/word token of ``text``."""
    for match in TOKEN_RE.finditer(text):
        yield match.start(), match.end()


def key(text: str) -> str:
    """Accent- and teencode-insensitive lookup key of a phrase: ``key("Giấy KS") == key("giay ks")``."""
    cleaned = clean(text).replace("_", " ")
    return " ".join(lemma(cleaned[start:end]) for start, end in spans(cleaned))


def key_words(text: str) -> List[str]:
    return key(text).split()
