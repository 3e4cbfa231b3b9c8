"""Accent- and teencode-insensitive synonym mapping to the canonical values of docs/contracts.md.

Rasa's ``EntitySynonymMapper`` matches the exact lowercase string, so "giay khai sinh" (typed without diacritics) or
"gks" would stay raw. Here every surface form learnt from the training data (annotations and ``synonym:`` blocks) is
keyed by ``text.key`` (folded, teencode-expanded). Values of a closed set that cannot be mapped are dropped rather
than passed on raw, and a gazetteer pass adds known surface forms the statistical extractor missed.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

import rasa.shared.utils.io
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.regex_entities import overlaps
from bot.components.text import key

FILENAME = "vi_synonyms.json"
Lexicon = Dict[str, Dict[str, str]]  # entity type → {key → canonical value}


def build_lexicon(training_data: TrainingData) -> Lexicon:
    """Entity type → key → canonical value, from annotations and synonym blocks (value types from annotations)."""
    lexicon: Lexicon = {}
    value_type: Dict[str, str] = {}
    for example in training_data.entity_examples:
        text = example.get(TEXT)
        for entity in example.get(ENTITIES, []):
            value, kind = str(entity["value"]), entity["entity"]
            value_type[value] = kind
            table = lexicon.setdefault(kind, {})
            table.setdefault(key(text[entity["start"] : entity["end"]]), value)
            table.setdefault(key(value), value)
    for surface, value in training_data.entity_synonyms.items():
        kind = value_type.get(str(value))
        if kind is not None:
            lexicon[kind][key(surface)] = str(value)
    for table in lexicon.values():
        table.pop("", None)
    return lexicon


def map_value(table: Dict[str, str], surface: str) -> Optional[str]:
    """Exact key, else the longest known form inside the surface (DIET spans are sometimes a word too wide)."""
    wanted = key(surface)
    if wanted in table:
        return table[wanted]
    padded = f" {wanted} "
    inside = [k for k in table if f" {k} " in padded]
    return table[max(inside, key=len)] if inside else None


def vote_value(table: Dict[str, str], wanted: str) -> Optional[str]:
    """The value a span's words point to, for a span DIET found by context that names no known form whole ("làm nát
    hết đường bê tông"): each word votes with the share of known forms containing it that map to each value; the
    winner must lead clearly (a tie or a thin lead means the span is not understood)."""
    scores: Dict[str, float] = {}
    for word in set(wanted.split()):
        values = [value for surface, value in table.items() if word in surface.split()]
        for value in set(values):
            scores[value] = scores.get(value, 0.0) + values.count(value) / len(values)
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    return best if score >= 0.5 and score >= 1.5 * runner_up else None


def gazetteer(tokens: Sequence[Any], table: Dict[str, str], min_chars: int) -> List[Tuple[int, int, str]]:
    """(start, end, value) of known surface forms in the token lemmas, longest first, no overlaps."""
    words: List[Tuple[str, int, int]] = []
    for token in tokens:
        for word in str(token.lemma).split():
            words.append((word, token.start, token.end))
    found: List[Tuple[int, int, str]] = []
    used: set = set()
    for surface in sorted((k for k in table if len(k) >= min_chars), key=len, reverse=True):
        needle = surface.split()
        for i in range(len(words) - len(needle) + 1):
            span = range(i, i + len(needle))
            if used.isdisjoint(span) and [w for w, _, _ in words[i : i + len(needle)]] == needle:
                used.update(span)
                found.append((words[i][1], words[i + len(needle) - 1][2], table[surface]))
    return found


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class AccentInsensitiveSynonymMapper(GraphComponent, EntityExtractorMixin):
    """Maps entity values to canonical ones regardless of diacritics, case and teencode."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # closed: entity types whose values must be canonical; gazetteer: types also found by lookup.
        # vote: types whose unknown spans of several words are mapped by the votes of their words.
        return {
            "closed": ["procedure", "category", "aspect"], "gazetteer": ["procedure"], "min_chars": 5,
            "vote": ["category"],
            # fill: types looked up in the known forms only when the statistical extractor found none of that type
            # (IntentEntityFilter then drops them where the intent never carries the type).
            "fill": ["category", "aspect"],
        }  # fmt: skip

    def __init__(
        self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, lexicon: Lexicon
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.lexicon = lexicon

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "AccentInsensitiveSynonymMapper":
        return cls(config, model_storage, resource, {})

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "AccentInsensitiveSynonymMapper":
        lexicon: Lexicon = {}
        try:
            with model_storage.read_from(resource) as directory:
                lexicon = rasa.shared.utils.io.read_json_file(directory / FILENAME)
        except (ValueError, FileNotFoundError):
            pass  # no entities in the training data
        return cls(config, model_storage, resource, lexicon)

    def train(self, training_data: TrainingData) -> Resource:
        self.lexicon = build_lexicon(training_data)
        with self._storage.write_to(self._resource) as directory:
            rasa.shared.utils.io.dump_obj_as_json_to_file(directory / FILENAME, self.lexicon)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            message.set(ENTITIES, self.resolve(message), add_to_output=True)
        return messages

    def resolve(self, message: Message) -> List[Dict[str, Any]]:
        closed = set(self._config["closed"])
        entities: List[Dict[str, Any]] = []
        for entity in message.get(ENTITIES, []):
            table = self.lexicon.get(entity["entity"])
            if table is None:
                entities.append(entity)
                continue
            value = map_value(table, str(entity["value"]))
            if (
                value is None
                and entity["entity"] in self._config["vote"]
                and len(key(str(entity["value"])).split()) > 1
            ):
                value = vote_value(table, key(str(entity["value"])))  # a span of several words, none known whole
                if value is not None:  # less sure than a known form: loses to one (IntentEntityFilter keeps one)
                    entity["confidence_entity"] = float(entity.get("confidence_entity") or 1.0) / 2
            if value is None and entity["entity"] in closed:
                continue
            if value is not None and value != entity["value"]:
                entity["value"] = value
                self.add_processor_name(entity)
            entities.append(entity)
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        for kind in self._config["fill"]:
            if any(e["entity"] == kind for e in entities):
                continue
            for start, end, value in gazetteer(tokens, self.lexicon.get(kind, {}), self._config["min_chars"]):
                entity = {"entity": kind, "value": value, "start": start, "end": end, "confidence_entity": 0.5}
                if not overlaps(entity, entities):
                    entities.append(self.add_extractor_name([entity])[0])
        for kind in self._config["gazetteer"]:
            for start, end, value in gazetteer(tokens, self.lexicon.get(kind, {}), self._config["min_chars"]):
                entity = {"entity": kind, "value": value, "start": start, "end": end, "confidence_entity": 1.0}
                if not overlaps(entity, entities):
                    entities.append(self.add_extractor_name([entity])[0])
        return sorted(entities, key=lambda e: e.get("start", 0))
