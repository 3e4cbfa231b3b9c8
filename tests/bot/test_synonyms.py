from __future__ import annotations

from typing import Any

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from bot.components.synonyms import AccentInsensitiveSynonymMapper, build_lexicon, map_value, vote_value
from bot.components.tokenizer import VietnameseTokenizer

DATA = """
version: "3.1"
nlu:
  - intent: ask_procedure
    examples: |
      - làm [giấy khai sinh](procedure:khai_sinh) cần [giấy tờ gì](aspect:documents)
      - [đăng ký kết hôn](procedure:ket_hon) ở đâu
  - intent: report_issue
    examples: |
      - [đèn đường](category:chieu_sang) hư
  - synonym: khai_sinh
    examples: |
      - gks
      - khai sanh
"""


@pytest.fixture
def mapper(tmp_path: Any) -> AccentInsensitiveSynonymMapper:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("mapper")
    component = AccentInsensitiveSynonymMapper.create({}, storage, resource, None)  # type: ignore[arg-type]
    component.train(RasaYAMLReader().reads(DATA))
    return AccentInsensitiveSynonymMapper.load({}, storage, resource, None)  # type: ignore[arg-type]


def message(text: str, entities: list[dict[str, Any]]) -> Message:
    msg = Message({TEXT: text, ENTITIES: entities})
    config = {**VietnameseTokenizer.get_default_config(), "segmenter": "syllable"}
    VietnameseTokenizer(config).process([msg])
    return msg


def test_lexicon_is_keyed_without_diacritics_per_entity_type() -> None:
    lexicon = build_lexicon(RasaYAMLReader().reads(DATA))
    assert lexicon["procedure"]["giay khai sinh"] == "khai_sinh"
    assert lexicon["procedure"]["giay khai sinh"] == lexicon["procedure"]["khai sanh"] == "khai_sinh"
    assert lexicon["category"]["den duong"] == "chieu_sang"
    assert lexicon["aspect"]["giay to gi"] == "documents"


@pytest.mark.parametrize(
    ("surface", "value"),
    [("Giấy Khai Sinh", "khai_sinh"), ("giay khai sinh", "khai_sinh"), ("GKS", "khai_sinh"),
     ("dang ky ket hon", "ket_hon"), ("làm giấy khai sinh cho con", "khai_sinh"), ("xyz", None)],
)  # fmt: skip
def test_map_value_is_accent_case_and_teencode_insensitive(surface: str, value: Any) -> None:
    lexicon = build_lexicon(RasaYAMLReader().reads(DATA))
    assert map_value(lexicon["procedure"], surface) == value


def test_process_maps_extracted_values_and_drops_unknown_closed_values(mapper: AccentInsensitiveSynonymMapper) -> None:
    text = "den duong hu, con xyz"
    msg = message(text, [
        {"entity": "category", "value": "den duong", "start": 0, "end": 9},
        {"entity": "category", "value": "xyz", "start": 18, "end": 21},
        {"entity": "phone", "value": "0912345678", "start": 0, "end": 1},
    ])  # fmt: skip
    mapper.process([msg])
    assert [(e["entity"], e["value"]) for e in msg.get(ENTITIES)] == [
        ("category", "chieu_sang"),
        ("phone", "0912345678"),
    ]


def test_gazetteer_adds_procedures_the_model_missed(mapper: AccentInsensitiveSynonymMapper) -> None:
    text = "cho hoi lam gks o dau"
    msg = message(text, [])
    assert msg.get(TOKENS_NAMES[TEXT])
    mapper.process([msg])
    (entity,) = msg.get(ENTITIES)
    assert (entity["entity"], entity["value"], text[entity["start"] : entity["end"]]) == (
        "procedure",
        "khai_sinh",
        "gks",
    )


def test_vote_maps_an_unknown_span_by_its_words_only_with_a_clear_lead() -> None:
    table = {"duong hu": "giao_thong", "o ga duong": "giao_thong", "den duong": "chieu_sang", "rac thai": "moi_truong"}
    assert vote_value(table, "nat het duong be tong") == "giao_thong"  # "đường": 2 of 3 forms are roads
    assert vote_value(table, "cai gi do") is None
    assert vote_value({"den duong": "chieu_sang", "duong hu": "giao_thong"}, "duong") is None  # a tie


def test_voted_category_needs_several_words_and_loses_to_a_known_form(mapper: AccentInsensitiveSynonymMapper) -> None:
    known = {"entity": "category", "value": "đèn đường", "start": 0, "end": 9, "confidence_entity": 0.6}
    voted = {"entity": "category", "value": "đèn hẻm tối", "start": 10, "end": 21, "confidence_entity": 0.9}
    lone = {"entity": "category", "value": "đèn", "start": 22, "end": 25, "confidence_entity": 0.9}
    resolved = mapper.resolve(message("đèn đường đèn hẻm tối đèn", [known, voted, lone]))
    assert [(e["value"], e["confidence_entity"]) for e in resolved] == [("chieu_sang", 0.6), ("chieu_sang", 0.45)]


def test_fill_looks_up_a_type_the_model_missed_but_never_overrides_it(mapper: AccentInsensitiveSynonymMapper) -> None:
    missed = mapper.resolve(message("den duong o hem hu roi", []))
    assert [(e["entity"], e["value"]) for e in missed] == [("category", "chieu_sang")]
    found = {"entity": "category", "value": "đèn", "start": 0, "end": 3, "confidence_entity": 0.9}
    kept = mapper.resolve(message("đèn đường hư", [{**found, "value": "đèn đường", "end": 9}]))
    assert [(e["value"], e["confidence_entity"]) for e in kept] == [("chieu_sang", 0.9)]  # the model's, not a copy
