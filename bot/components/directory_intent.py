"""Another agency's procedure read as one of the commune's (issue 22): the intent the directory says it is.

Citizens ask about passports, health-insurance cards or maternity pay the way they ask about a birth certificate
("…thì cần những giấy tờ gì?"), and DIET, which learned the commune's twelve from such phrasings, reads them as
``ask_procedure`` — or is unsure between that and ``out_of_scope``. The directory of where things are done
(knowledge/directory/) knows these procedures by name. When the message names one of them and none of the commune's
procedures (no ``procedure`` entity, the synonym gazetteer included), a procedure question becomes ``out_of_scope``,
and so does a fallback (DIET unsure) with it among its two likeliest readings — the same decision the procedure
action takes (actions/procedures.py answers such a question from the directory, never with the menu of the twelve).
Runs after the FallbackClassifier; the ranking is left as DIET made it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge.directory import match

FALLBACK = "nlu_fallback"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DirectoryIntentResolver(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # from: intents read as the target when the text names a directory procedure; ranked: how far down DIET's
        # ranking of a fallback the target may be (2: among the two a clarification would offer).
        return {"from": ["ask_procedure"], "to": "out_of_scope", "ranked": 2}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = {**self.get_default_config(), **config}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "DirectoryIntentResolver":
        return cls(config)

    def resolved(self, message: Message) -> Text | None:
        """The target intent when this message should have it, else None."""
        intent = message.get(INTENT) or {}
        name, target = intent.get("name"), self._config["to"]
        text = str(message.get(TEXT) or "")
        if not text or text.startswith("/") or any(e.get("entity") == "procedure" for e in message.get(ENTITIES, [])):
            return None
        if name in self._config["from"]:
            pass
        elif name == FALLBACK:
            ranking = [r.get("name") for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != FALLBACK]
            if target not in ranking[: self._config["ranked"]]:
                return None
        else:
            return None
        return target if match(text) is not None else None

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            target = self.resolved(message)
            if target is None:
                continue
            intent = message.get(INTENT) or {}
            if intent.get("name") == FALLBACK:  # as sure as DIET was of it (still "unsure" below the threshold)
                ranking = message.get(INTENT_RANKING_KEY) or []
                confidence = next((float(r["confidence"]) for r in ranking if r.get("name") == target), 0.0)
            else:  # as sure as DIET was that it is a procedure question
                confidence = float(intent.get("confidence") or 0.0)
            message.set(INTENT, {"name": target, "confidence": confidence}, add_to_output=True)
        return messages
