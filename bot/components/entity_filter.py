"""Entities that make sense for the predicted intent, one category per message.

DIET tags entity spans independently of the intent it predicts, so a long health question may come out with a stray
``category`` ("nhìn" → giao_thong) and a report with two categories. This component learns from the training data
which entity types each intent is annotated with and drops the others (the regex types — case codes, phones,
hamlets — always stay), and keeps only the most confident value of each ``single`` type.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

import rasa.shared.utils.io
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

FILENAME = "intent_entities.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class IntentEntityFilter(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # always: entity types kept whatever the intent; single: types with at most one value per message.
        return {"always": ["case_code", "phone", "hamlet"], "single": ["category"]}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        allowed: Dict[Text, List[Text]],
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.allowed = allowed

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IntentEntityFilter":
        return cls(config, model_storage, resource, {})

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "IntentEntityFilter":
        allowed: Dict[Text, List[Text]] = {}
        try:
            with model_storage.read_from(resource) as directory:
                allowed = rasa.shared.utils.io.read_json_file(directory / FILENAME)
        except (ValueError, FileNotFoundError):
            pass
        return cls(config, model_storage, resource, allowed)

    def train(self, training_data: TrainingData) -> Resource:
        seen: Dict[Text, set] = {}
        for example in training_data.intent_examples:
            kinds = seen.setdefault(str(example.get(INTENT)), set())
            kinds.update(e["entity"] for e in example.get(ENTITIES, []))
        self.allowed = {intent: sorted(kinds) for intent, kinds in seen.items()}
        with self._storage.write_to(self._resource) as directory:
            rasa.shared.utils.io.dump_obj_as_json_to_file(directory / FILENAME, self.allowed)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            message.set(ENTITIES, self.filter(message), add_to_output=True)
        return messages

    def filter(self, message: Message) -> List[Dict[str, Any]]:
        intent = (message.get(INTENT) or {}).get("name")
        entities: List[Dict[str, Any]] = list(message.get(ENTITIES) or [])
        if intent in self.allowed:
            keep = set(self.allowed[intent]) | set(self._config["always"])
            entities = [e for e in entities if e["entity"] in keep]
        for kind in self._config["single"]:
            same = [e for e in entities if e["entity"] == kind]
            if len(same) > 1:
                best = max(same, key=lambda e: float(e.get("confidence_entity") or 0.0))
                entities = [e for e in entities if e["entity"] != kind or e is best]
        return entities
