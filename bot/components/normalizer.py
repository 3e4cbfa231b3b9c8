"""First pipeline step: Unicode NFC and invisible-character removal, before any tokenizer looks at the text.

Vietnamese arrives both precomposed (NFC) and decomposed (NFD, e.g. from macOS and some Android keyboards); the same
word would otherwise produce different tokens. The tokenizer must never change characters (Rasa locates tokens with
``text.index``), so the text is normalised here, in its own component, once.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.text import clean


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class VietnameseNormalizer(GraphComponent):
    """Rewrites the message text to NFC without zero-width characters (entity offsets stay consistent)."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "VietnameseNormalizer":
        return cls()

    @staticmethod
    def _normalise(message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str):
            cleaned = clean(text)
            if cleaned != text:
                message.set(TEXT, cleaned)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalise(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalise(message)
        return messages
