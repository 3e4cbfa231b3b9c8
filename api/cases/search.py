"""Text search over cases with one pre-computed column, in any letter case, with or without diacritics.

SQLite's ``lower()`` folds ASCII only, and scanning four columns through a function is slow. Each case keeps
``search_text``: its code, title, description and place lower-cased, then the same again stripped of diacritics.
A query is only lower-cased: typed with diacritics ("ồn") it can match the first half only, so it stays exact;
typed without ("gay on") it also matches the folded half, the way people search on phones.
"""

from __future__ import annotations

import unicodedata

_SPECIAL = str.maketrans({"đ": "d", "Đ": "d"})


def lower(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


def fold(text: str) -> str:
    """'Ổ gà ĐƯỜNG' → 'o ga duong'."""
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def search_text(*parts: str | None) -> str:
    text = " ".join(p for p in parts if p)
    return f"{lower(text)}\n{fold(text)}"


def like_pattern(query: str) -> str:
    """A LIKE pattern for the query, with the wildcards a user may type taken literally (escape '\\')."""
    escaped = lower(query.strip()).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
