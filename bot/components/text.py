"""Pure Vietnamese text helpers shared by the components, the evaluation and the tests (no Rasa imports)."""

from __future__ import annotations

import re
from typing import Iterator, List, Tuple

from xaso_text import TEENCODE, clean, squeeze
from xaso_text import fold_chars as fold

__all__ = ["TEENCODE", "clean", "fold", "has_diacritics", "key", "key_words", "lemma", "spans"]

# A syllable/word: letters and digits, optionally joined by - . / (case codes, phone numbers, dates, 17h30).
# Emoji and other symbols are tokens of their own (👍 means "yes" to many citizens).
TOKEN_RE = re.compile(r"[^\W_]+(?:[-./][^\W_]+)*|[\u2600-\u27bf\U0001f300-\U0001faff]", re.UNICODE)

VIETNAMESE_LETTERS = set("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ")


def has_diacritics(text: str) -> bool:
    """True when the text contains any Vietnamese accented letter (the eval splits on this)."""
    return any(c in VIETNAMESE_LETTERS for c in clean(text).lower())


def lemma(word: str) -> str:
    """The feature form of one word: lowercase, accent-folded, elongations squeezed, teencode expanded."""
    folded = fold(word.lower())
    if folded in TEENCODE:  # before squeezing: "cccd" is not an elongated "cd"
        return TEENCODE[folded]
    squeezed = squeeze(folded)
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
