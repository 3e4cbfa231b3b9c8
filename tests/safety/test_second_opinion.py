"""The NLU second opinion (#30, a documented behaviour without a test until now): a message the triage does not call
an emergency but the lexicon finds suspect ("bà em đau bụng quá trời") is parsed by Rasa; ``health_emergency`` with
confidence >= 0.8 makes it an alarm, anything less does not, and Rasa failing leaves the triage's decision. A message
that is not suspect never costs a call to Rasa. Rasa's answers are injected at the client (fault injection: the
gateway's own code runs unchanged)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.errors import UpstreamUnavailable
from api.safety import flows
from api.safety.lexicon import classify
from api.safety.triage import decide

SUSPECT = "bà em đau bụng quá trời"
PLAIN = "ba em tự nhiên thấy lạ lắm, nói lung tung"


class ScriptedRasa:
    """Answers /model/parse with a fixed intent, or fails the way the real client does."""

    def __init__(self, answer: dict[str, Any] | Exception) -> None:
        self.answer = answer
        self.parsed: list[str] = []

    async def parse(self, text: str) -> dict[str, Any]:
        self.parsed.append(text)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def with_rasa(answer: dict[str, Any] | Exception) -> tuple[FastAPI, ScriptedRasa]:
    app = FastAPI()
    app.state.rasa = ScriptedRasa(answer)
    return app, app.state.rasa


def intent(name: str, confidence: float) -> dict[str, Any]:
    return {"intent": {"name": name, "confidence": confidence}, "entities": []}


def test_the_sentences_are_what_the_test_needs() -> None:
    assert classify(SUSPECT).suspect and decide(SUSPECT).action == "none"
    assert not classify(PLAIN).suspect and decide(PLAIN).action == "none"


async def test_a_confident_nlu_makes_a_suspect_message_an_alarm() -> None:
    app, rasa = with_rasa(intent("health_emergency", 0.93))
    decision = await flows.decision_for(app, SUSPECT)
    assert rasa.parsed == [SUSPECT]
    assert decision.action == "alarm" and decision.situation == "chung" and decision.numbers == ("115",)


@pytest.mark.parametrize("answer", [intent("health_emergency", 0.6), intent("health_question", 0.99)])
async def test_an_unsure_or_other_nlu_answer_is_no_alarm(answer: dict[str, Any]) -> None:
    app, rasa = with_rasa(answer)
    decision = await flows.decision_for(app, SUSPECT)
    assert rasa.parsed == [SUSPECT] and decision.action != "alarm"


@pytest.mark.parametrize(
    "failure", [UpstreamUnavailable("Rasa down"), httpx.ConnectError("refused"), TimeoutError("slow")]
)
async def test_rasa_failing_leaves_the_triage_decision(failure: Exception) -> None:
    app, rasa = with_rasa(failure)
    decision = await flows.decision_for(app, SUSPECT)
    assert rasa.parsed == [SUSPECT] and decision.action != "alarm"


@pytest.mark.parametrize("text", [PLAIN, "ông em ngưng thở rồi", "sơ cứu rắn cắn thế nào?"])
async def test_rasa_is_not_asked_about_what_is_not_suspect_or_already_decided(text: str) -> None:
    app, rasa = with_rasa(intent("health_emergency", 0.99))
    await flows.decision_for(app, text)
    assert rasa.parsed == []


async def test_without_the_nlu_rule_the_suspect_message_is_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutant: the second opinion switched off; the confident-NLU test's expectation no longer holds."""
    monkeypatch.setattr(flows, "NLU_CONFIDENCE", 1.1)
    app, _rasa = with_rasa(intent("health_emergency", 0.93))
    assert (await flows.decision_for(app, SUSPECT)).action != "alarm"
