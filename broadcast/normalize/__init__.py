"""Vietnamese text normalisation for speech: what an announcer would say, not what is written.

The passes run in a fixed order because later ones rely on earlier ones having consumed their tokens
(document numbers before dates, phones before ranges, dates and times before plain numbers).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from broadcast.normalize import abbreviations, datetimes, measures, ordinals

_URL = re.compile(r"\b(?:https?://)?(?:[\w-]+\.)+(?:vn|com|net|org|gov|edu)(?:\.vn)?(?:/[\w./?=&%-]*)?", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_DOC_NUMBER = re.compile(r"\b(\d+)(?:/(\d{4}))?/([A-ZĐ][A-Za-zĐđ&]*(?:-[A-Za-zĐđ&]+)*)")


def _spell_address(text: str) -> str:
    text = re.sub(r"^https?://", "", text)
    return text.replace("@", " a còng ").replace(".", " chấm ").replace("/", " gạch chéo ").strip()


def addresses(text: str) -> str:
    text = _EMAIL.sub(lambda m: _spell_address(m.group(0)), text)
    return _URL.sub(lambda m: _spell_address(m.group(0)), text)


def document_numbers(text: str) -> str:
    """ "135/QĐ-TTg" → một trăm ba mươi lăm QĐ-TTg; "39/2020/TT-BTTTT" → ba mươi chín năm hai nghìn ... TT-BTTTT."""

    def repl(m: re.Match[str]) -> str:
        spoken = measures.number_words(m.group(1))
        if m.group(2):
            spoken += " năm " + measures.number_words(m.group(2))
        return f"{spoken} {m.group(3)}"

    return _DOC_NUMBER.sub(repl, text)


_SYMBOLS = (
    (re.compile(r"\s*&\s*"), " và "),
    (re.compile(r"\s*%\s*"), " phần trăm "),
    (re.compile(r"~\s*"), "khoảng "),
    (re.compile(r"\s*≥\s*"), " từ "),
    (re.compile(r"\s*[≤]\s*"), " không quá "),
    (re.compile(r"…|\.{3}"), "."),
    (re.compile(r"\s*[()\[\]]\s*"), ", "),
    (re.compile(r"[\"“”«»*#_|•]"), ""),
    (re.compile(r"(?<=\w)/(?=\w)"), " "),
    (re.compile(r"(?<=\s)[-–—](?=\s)|^[-–—•+]\s*", re.M), ", "),
    (re.compile(r"\s+([,.;:!?])"), r"\1"),
    (re.compile(r"([,;:])(?:\s*[,;:])+"), r"\1"),
    (re.compile(r"^[,;:]\s*|(?<=[.!?])\s*,", re.M), ""),
    (re.compile(r"[ \t]+"), " "),
)


def symbols(text: str) -> str:
    for pattern, replacement in _SYMBOLS:
        text = pattern.sub(replacement, text)
    return text.strip(" ,;")


PASSES: tuple[Callable[[str], str], ...] = (
    addresses,
    document_numbers,
    abbreviations.expand_hyphenated_codes,
    abbreviations.expand_listed,
    abbreviations.resolve_context,
    datetimes.full_dates,
    measures.phones,
    datetimes.ranges,
    datetimes.short_dates,
    datetimes.times,
    datetimes.month_names,
    measures.money,
    measures.units,
    ordinals.ordinals,
    ordinals.roman_numerals,
    measures.bare_numbers,
    symbols,
)


def normalize_text(text: str) -> str:
    """Turn written Vietnamese into the words to be spoken; paragraphs (blank lines) are kept."""
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\r\n", "\n")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    spoken = []
    for paragraph in paragraphs:
        paragraph = re.sub(r"\s*\n\s*", " ", paragraph)
        for step in PASSES:
            paragraph = step(paragraph)
        spoken.append(paragraph)
    return "\n\n".join(spoken)


__all__ = ["normalize_text"]
