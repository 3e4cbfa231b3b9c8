"""Vietnamese text normalisation shared by the gateway (.venv) and the bot and actions (.venv-rasa).

Pure Python, standard library only, importable on Python 3.10 and 3.11+: both environments find it at the project
root (PYTHONPATH, as for ``bot/`` and ``actions/``; the gateway's editable install lists it too).

- ``nfc``: canonical composition (a letter typed with a combining mark equals the precomposed one).
- ``clean``: NFC without invisible characters, odd spaces as plain spaces (each one stays one character).
- ``strip_marks``: Vietnamese diacritics removed, đ → d and Đ → D, case kept.
- ``fold``: ``strip_marks`` then lower case — the accent- and case-insensitive key ("Ổ gà ĐƯỜNG" → "o ga duong").
- ``fold_chars``: diacritics removed character by character, so offsets into the text stay valid.
- ``TEENCODE``: chat shorthand and abbreviations, keyed by their folded form, expanded to folded words.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["TEENCODE", "clean", "fold", "fold_chars", "nfc", "squeeze", "strip_marks"]

_D = str.maketrans({"đ": "d", "Đ": "D"})
# Zero-width characters and the BOM that Zalo/Facebook copy-paste leaves inside words.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\t\r\n]")
_REPEATS = re.compile(r"([a-z])\1{2,}")

# Teencode and abbreviations, keyed by the accent-folded lowercase form, expanded to folded words.
TEENCODE: dict[str, str] = {
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


def nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "")


def clean(text: str) -> str:
    """NFC, without invisible characters, odd spaces as plain spaces (each one stays one character)."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return _ODD_SPACES.sub(" ", text)


def strip_marks(text: str | None) -> str:
    """Without diacritics (combining marks after NFD), đ → d, Đ → D; case and everything else kept."""
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_D))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str | None) -> str:
    """Accent- and case-insensitive form: 'Ổ gà ĐƯỜNG' → 'o ga duong' (spaces and punctuation kept)."""
    return strip_marks(text).lower()


def _fold_char(char: str) -> str:
    if char in "đĐ":
        return "d" if char == "đ" else "D"
    decomposed = unicodedata.normalize("NFD", char)
    return decomposed[0] if decomposed else char


def fold_chars(text: str) -> str:
    """Diacritics removed character by character: ``len(fold_chars(s)) == len(s)`` for NFC text, case kept."""
    return "".join(_fold_char(c) if ord(c) > 127 else c for c in text)


def squeeze(word: str) -> str:
    """Stretched letters squeezed: a run of three or more of one lower-case ASCII letter becomes one ('khongggg')."""
    return _REPEATS.sub(r"\1", word)
