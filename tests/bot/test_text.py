from __future__ import annotations

import unicodedata

import pytest

from bot.components.text import clean, fold, has_diacritics, key, lemma, spans


def test_fold_removes_every_vietnamese_mark_and_keeps_length() -> None:
    text = "Đăng ký khai sinh ở ỦY BAN xã Thuỷ Lợi"
    assert fold(text) == "Dang ky khai sinh o UY BAN xa Thuy Loi"
    assert len(fold(text)) == len(text)


def test_clean_turns_decomposed_text_into_nfc_and_drops_invisible_characters() -> None:
    decomposed = unicodedata.normalize("NFD", "giấy khai sinh")
    assert clean(decomposed + "\u200b") == "giấy khai sinh"
    assert clean("a\u00a0b") == "a b"


@pytest.mark.parametrize(
    ("word", "expected"),
    [("ko", "khong"), ("K", "khong"), ("đc", "duoc"), ("dc", "duoc"), ("j", "gi"), ("sdt", "so dien thoai"),
     ("gks", "giay khai sinh"), ("CCCD", "can cuoc cong dan"), ("đk", "dang ky"), ("ad", "admin"),
     ("Hỏi", "hoi"), ("chàoooo", "chao")],
)  # fmt: skip
def test_lemma_expands_teencode_and_folds(word: str, expected: str) -> None:
    assert lemma(word) == expected


def test_key_is_the_same_with_and_without_diacritics_and_case() -> None:
    assert key("Giấy Khai Sinh") == key("giay khai sinh") == "giay khai sinh"
    assert key("khai_sinh") == "khai sinh"


def test_spans_keep_codes_phones_and_emoji_whole() -> None:
    text = "mã PA-2026-000123, sđt 0912.345.678 👍"
    assert [text[s:e] for s, e in spans(text)] == ["mã", "PA-2026-000123", "sđt", "0912.345.678", "👍"]


def test_has_diacritics() -> None:
    assert has_diacritics("làm giấy khai sinh")
    assert has_diacritics("đi")
    assert not has_diacritics("lam giay khai sinh can gi a")
