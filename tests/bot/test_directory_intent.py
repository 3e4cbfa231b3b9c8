"""DirectoryIntentResolver: another agency's procedure asked like one of the twelve is out_of_scope (issue 22)."""

from __future__ import annotations

from typing import Any

from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.directory_intent import DirectoryIntentResolver


def read(text: str, intent: str, ranking: list[tuple[str, float]], entities: list[dict[str, Any]] | None = None) -> Any:
    top = {"name": intent, "confidence": ranking[0][1] if intent != "nlu_fallback" else 0.6}
    message = Message(
        {
            TEXT: text,
            INTENT: top,
            INTENT_RANKING_KEY: [{"name": n, "confidence": c} for n, c in ranking],
            ENTITIES: entities or [],
        }
    )
    (out,) = DirectoryIntentResolver.create({}, None, None, None).process([message])  # type: ignore[arg-type]
    return out.get(INTENT)


def test_a_procedure_question_about_another_agencys_procedure_is_out_of_scope() -> None:
    intent = read("làm hộ chiếu cho con thì cần những giấy tờ gì", "ask_procedure", [("ask_procedure", 0.97)])
    assert intent == {"name": "out_of_scope", "confidence": 0.97}


def test_a_fallback_likely_out_of_scope_is_resolved_with_its_own_confidence() -> None:
    ranking = [("nlu_fallback", 0.6), ("out_of_scope", 0.45), ("ask_procedure", 0.4)]
    assert read("gia hạn thẻ bhyt ở đâu", "nlu_fallback", ranking) == {"name": "out_of_scope", "confidence": 0.45}
    ranking = [("nlu_fallback", 0.6), ("health_question", 0.45), ("out_of_scope", 0.4)]
    assert read("gia hạn thẻ bhyt ở đâu", "nlu_fallback", ranking)["name"] == "out_of_scope"  # one of the two
    ranking = [("nlu_fallback", 0.6), ("health_question", 0.45), ("ask_procedure", 0.3), ("out_of_scope", 0.2)]
    assert read("gia hạn thẻ bhyt ở đâu", "nlu_fallback", ranking)["name"] == "nlu_fallback"  # not a likely one


def test_the_commune_procedures_other_intents_and_unknown_topics_stay() -> None:
    birth = [{"entity": "procedure", "value": "khai_sinh", "start": 0, "end": 9}]
    # "sinh con" is a maternity-pay keyword too: a named commune procedure wins
    assert read("sinh con rồi làm khai sinh cần gì", "ask_procedure", [("ask_procedure", 0.9)], birth)["name"] == (
        "ask_procedure"
    )
    assert read("làm giấy tờ gì vậy", "ask_procedure", [("ask_procedure", 0.9)])["name"] == "ask_procedure"
    assert read("thẻ bhyt hết hạn", "health_question", [("health_question", 0.9)])["name"] == "health_question"
    assert read('/ask_procedure{"aspect": "fee"}', "ask_procedure", [("ask_procedure", 1.0)])["name"] == (
        "ask_procedure"
    )
