"""IntentEntityFilter: entity types learnt per intent from the training data, one category per message."""

from __future__ import annotations

from typing import Any

from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from bot.components.entity_filter import IntentEntityFilter

DATA = """
version: "3.1"
nlu:
  - intent: report_issue
    examples: |
      - [đèn đường](category:chieu_sang) hư
  - intent: health_question
    examples: |
      - bé bị sốt phải làm sao
"""


def trained(tmp_path: Any) -> IntentEntityFilter:
    storage, resource = LocalModelStorage(tmp_path), Resource("filter")
    IntentEntityFilter.create({}, storage, resource, None).train(RasaYAMLReader().reads(DATA))  # type: ignore[arg-type]
    return IntentEntityFilter.load({}, storage, resource, None)  # type: ignore[arg-type]


def entity(kind: str, value: str, confidence: float = 1.0) -> dict[str, Any]:
    return {"entity": kind, "value": value, "start": 0, "end": 1, "confidence_entity": confidence}


def test_types_the_intent_never_carries_are_dropped_regex_types_stay(tmp_path: Any) -> None:
    stray = [entity("category", "giao_thong"), entity("hamlet", "ấp 2"), entity("phone", "0912345678")]
    msg = Message({TEXT: "mắt nhìn mờ ở ấp 2", INTENT: {"name": "health_question"}, ENTITIES: stray})
    (out,) = trained(tmp_path).process([msg])
    assert [e["entity"] for e in out.get(ENTITIES)] == ["hamlet", "phone"]


def test_one_category_the_most_confident(tmp_path: Any) -> None:
    two = [entity("category", "thoat_nuoc", 0.4), entity("category", "giao_thong", 0.9)]
    msg = Message({TEXT: "cầu qua mương mục", INTENT: {"name": "report_issue"}, ENTITIES: two})
    (out,) = trained(tmp_path).process([msg])
    assert [e["value"] for e in out.get(ENTITIES)] == ["giao_thong"]


def test_an_intent_unknown_to_the_data_keeps_everything_but_still_one_category(tmp_path: Any) -> None:
    two = [entity("category", "thoat_nuoc", 0.4), entity("category", "giao_thong", 0.9), entity("aspect", "fee")]
    msg = Message({TEXT: "x", INTENT: {"name": "nlu_fallback"}, ENTITIES: two})
    (out,) = trained(tmp_path).process([msg])
    assert sorted(e["value"] for e in out.get(ENTITIES)) == ["fee", "giao_thong"]
