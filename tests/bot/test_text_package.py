"""bot/components/text.py and actions/common.py take their folds, cleaning and teencode from xaso_text (the package
both environments share) and behave exactly as their former hand-written versions (copied below as they were)."""

from __future__ import annotations

import re
import unicodedata

import pytest

from actions import common
from bot.components import text
from tests.xaso_text.corpus import texts

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\t\r\n]")
_REPEATS = re.compile(r"([a-z])\1{2,}")
OLD_TEENCODE_SIZE = 81  # moved verbatim from bot/components/text.py


def _old_clean(value: str) -> str:
    value = unicodedata.normalize("NFC", value).translate(_INVISIBLE)
    return _ODD_SPACES.sub(" ", value)


def _old_fold_char(char: str) -> str:
    if char in "đĐ":
        return "d" if char == "đ" else "D"
    decomposed = unicodedata.normalize("NFD", char)
    return decomposed[0] if decomposed else char


def _old_bot_fold(value: str) -> str:
    return "".join(_old_fold_char(c) if ord(c) > 127 else c for c in value)


def _old_lemma(word: str, teencode: dict[str, str]) -> str:
    folded = _old_bot_fold(word.lower())
    if folded in teencode:
        return teencode[folded]
    squeezed = _REPEATS.sub(r"\1", folded)
    return teencode.get(squeezed, squeezed)


def _old_actions_fold(value: str) -> str:
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFD", value.replace("Đ", "D").replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", stripped.lower()).strip()


CORPUS = texts()


@pytest.mark.parametrize(
    ("new", "old"),
    [
        (text.clean, _old_clean),
        (text.fold, _old_bot_fold),
        (common.fold, _old_actions_fold),
        (common.nfc, lambda v: unicodedata.normalize("NFC", v or "").strip()),
    ],
    ids=["bot-clean", "bot-fold", "actions-fold", "actions-nfc"],
)
def test_each_helper_is_what_it_was_on_every_line_of_data(new: object, old: object) -> None:
    assert len(CORPUS) > 5000
    assert [v for v in CORPUS if new(v) != old(v)] == []  # type: ignore[operator]


def test_lemmas_and_teencode_are_unchanged() -> None:
    assert len(text.TEENCODE) == OLD_TEENCODE_SIZE
    words = {w for line in CORPUS for w in line.split()} | set(text.TEENCODE) | {"cccccd", "khongggg", "okkkk"}
    assert [w for w in words if text.lemma(w) != _old_lemma(w, text.TEENCODE)] == []
