from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.normalizer import VietnameseNormalizer
from bot.components.tokenizer import VietnameseTokenizer, merge, underthesea_groups


def make_tokenizer(segmenter: str = "underthesea") -> VietnameseTokenizer:
    config: dict[str, Any] = {**VietnameseTokenizer.get_default_config(), "segmenter": segmenter}
    return VietnameseTokenizer.create(config, None, None, None)  # type: ignore[arg-type]


def tokens(text: str, segmenter: str = "underthesea") -> list[Any]:
    message = Message({TEXT: text})
    make_tokenizer(segmenter).process([message])
    return message.get(TOKENS_NAMES[TEXT])


@pytest.mark.parametrize("segmenter", ["underthesea", "syllable"])
@pytest.mark.parametrize(
    "text",
    ["Cho em hỏi làm giấy khai sinh cần gì ạ", "cho e hoi lam gks can j a", "ĐÈN ĐƯỜNG ấp Bình Hoà hư rồi!!!",
     "hoà hòa thuỷ thủy", "mã PA-2026-000123, sđt 0912.345.678 👍", "  nhiều   khoảng trắng  "],
)  # fmt: skip
def test_every_token_is_an_exact_slice_of_the_text(text: str, segmenter: str) -> None:
    found = tokens(text, segmenter)
    assert found
    for token in found:
        assert text[token.start : token.end] == token.text


def test_underthesea_groups_compound_words() -> None:
    assert "khai sinh" in [t.text for t in tokens("làm giấy khai sinh cho con")]


def test_lemmas_are_identical_with_and_without_diacritics() -> None:
    with_marks = " ".join(t.lemma for t in tokens("làm giấy khai sinh cần giấy tờ gì", "syllable"))
    without = " ".join(t.lemma for t in tokens("lam giay khai sinh can giay to gi", "syllable"))
    assert with_marks == without


def test_teencode_is_expanded_in_lemmas_only() -> None:
    found = tokens("ko biết sdt", "syllable")
    assert [t.text for t in found] == ["ko", "biết", "sdt"]
    assert [t.lemma for t in found] == ["khong", "biet", "so dien thoai"]


def test_tone_mark_placement_does_not_break_alignment() -> None:
    # underthesea may rewrite "hoà" as "hòa"; groups are aligned on the folded text instead.
    text = "xã Hoà Bình thuỷ lợi"
    groups = underthesea_groups(text)
    for start, end in groups:
        assert text[start:end].strip() == text[start:end]
    assert [t.text for t in merge(text, [(0, 2), (3, 6), (7, 11), (12, 16), (17, 20)], groups)]


def test_normalizer_rewrites_decomposed_input_before_tokenizing() -> None:
    text = unicodedata.normalize("NFD", "giấy khai sinh") + "\u200b"
    message = Message({TEXT: text})
    normalizer = VietnameseNormalizer.create({}, None, None, None)  # type: ignore[arg-type]
    normalizer.process([message])
    assert message.get(TEXT) == "giấy khai sinh"
    data = TrainingData([Message({TEXT: text, "intent": "ask_procedure"})])
    normalizer.process_training_data(data)
    assert data.training_examples[0].get(TEXT) == "giấy khai sinh"


def test_unknown_segmenter_is_rejected() -> None:
    with pytest.raises(ValueError, match="segmenter"):
        make_tokenizer("jieba")
