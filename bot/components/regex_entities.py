"""Entity extractor for what has a fixed shape: case codes, phone numbers, hamlets (see ``patterns``)."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.patterns import find_all


def overlaps(entity: Dict[str, Any], others: List[Dict[str, Any]]) -> bool:
    return any(entity["start"] < o.get("end", -1) and o.get("start", -1) < entity["end"] for o in others)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class VietnameseRegexEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds ``case_code``, ``phone`` and ``hamlet`` entities with canonical values; regex wins over DIET."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"entities": ["case_code", "phone", "hamlet"]}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config
        self._wanted = set(config.get("entities") or [])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "VietnameseRegexEntityExtractor":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = [e for e in find_all(message.get(TEXT) or "") if e["entity"] in self._wanted]
            if not found:
                continue
            kept = [e for e in message.get(ENTITIES, []) if not overlaps(e, found)]
            self.add_extractor_name(found)
            message.set(ENTITIES, sorted(kept + found, key=lambda e: e["start"]), add_to_output=True)
        return messages
