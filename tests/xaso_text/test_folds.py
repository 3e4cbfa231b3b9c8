"""The one text package reproduces the gateway's former hand-written folds exactly (copied below as they were)."""

from __future__ import annotations

import re
import unicodedata

import pytest

import xaso_text
from api.cases import search
from api.nlu import export
from api.safety import lexicon
from api.staff import passwords
from tests.xaso_text.corpus import texts


def _old_search_fold(text: str) -> str:  # api/cases/search.py
    decomposed = unicodedata.normalize("NFD", text.translate(str.maketrans({"đ": "d", "Đ": "d"})))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _old_password_fold(text: str) -> str:  # api/staff/passwords.py
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _old_export_fold(text: str) -> str:  # api/nlu/export.py
    decomposed = unicodedata.normalize("NFD", text.translate(str.maketrans({"đ": "d", "Đ": "D"})))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.findall(r"[\w<>]+", plain))


def _old_lexicon_fold(text: str) -> str:  # api/safety/lexicon.py
    text = unicodedata.normalize("NFC", text or "").replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text.lower())
    plain = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    plain = re.sub(r"([a-z])\1{2,}", lambda m: "uu" if m.group(1) == "u" else m.group(1), plain)
    tokens = re.sub(r"[^a-z0-9]+", " ", plain).split()
    return " ".join(lexicon._SHORTHAND.get(token, token) for token in tokens)


CORPUS = texts()


@pytest.mark.parametrize(
    ("new", "old"),
    [
        (search.fold, _old_search_fold),
        (passwords._fold, _old_password_fold),
        (export.fold, _old_export_fold),
        (lexicon.fold, _old_lexicon_fold),
    ],
    ids=["search", "passwords", "nlu-export", "safety-lexicon"],
)
def test_each_fold_is_what_it_was_on_every_line_of_data(new: object, old: object) -> None:
    assert len(CORPUS) > 5000
    differ = [text for text in CORPUS if new(text) != old(text)]  # type: ignore[operator]
    assert differ == []


@pytest.mark.slow
def test_the_package_s_parts() -> None:
    assert xaso_text.fold("Ổ gà ĐƯỜNG") == "o ga duong"
    assert xaso_text.strip_marks("Đường Lê Lợi") == "Duong Le Loi"
    assert xaso_text.fold_chars("Đường") == "Duong" and len(xaso_text.fold_chars("Nguyễn")) == len("Nguyễn")
    assert xaso_text.nfc("Ngu\u031bo\u031b\u0300i") == "Người"
    assert xaso_text.clean("a\u200bb\u00a0c\td") == "ab c d"
    assert xaso_text.squeeze("khongggg") == "khong" and xaso_text.TEENCODE["ko"] == "khong"
