"""Vietnamese tokenizer: underthesea word groups over the original characters, with accent-folded lemmas.

Each token's ``text`` is an exact slice of the message (Rasa and DIET rely on offsets); its ``lemma`` — what the
CountVectorsFeaturizer sees with ``use_lemma`` — is lowercase, without diacritics and with teencode expanded, so
"giấy khai sinh", "giay khai sinh" and "gks" produce the same features.
underthesea's output is only used to decide which neighbouring syllables form one word: it may rewrite characters
(tone-mark placement, punctuation), so its words are aligned back onto the text by their folded form.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.components.text import fold, lemma, spans

logger = logging.getLogger(__name__)
Span = Tuple[int, int]


def underthesea_groups(text: str) -> List[Span]:
    """Character spans of underthesea's multi-syllable words, located in ``text`` by folded lowercase form."""
    from underthesea import word_tokenize  # imported lazily: loading its CRF model takes ~0.5 s

    folded = fold(text).lower()
    groups: List[Span] = []
    cursor = 0
    for word in word_tokenize(text):
        pieces = fold(word).lower().split()
        if len(pieces) < 2:
            continue
        start = folded.find(pieces[0], cursor)
        if start < 0:
            continue
        end, ok = start + len(pieces[0]), True
        for piece in pieces[1:]:
            position = folded.find(piece, end)
            if position < 0 or folded[end:position].strip():
                ok = False
                break
            end = position + len(piece)
        if ok:
            groups.append((start, end))
            cursor = end
    return groups


def merge(text: str, syllables: Sequence[Span], groups: Sequence[Span]) -> List[Token]:
    """Tokens from syllable spans, merging the syllables that fall inside one group span."""
    tokens: List[Token] = []
    index = 0
    for group_start, group_end in groups:
        while index < len(syllables) and syllables[index][0] < group_start:
            tokens.append(_token(text, [syllables[index]]))
            index += 1
        inside: List[Span] = []
        while index < len(syllables) and syllables[index][1] <= group_end:
            inside.append(syllables[index])
            index += 1
        if inside:
            tokens.append(_token(text, inside))
    tokens.extend(_token(text, [span]) for span in syllables[index:])
    return tokens


def _token(text: str, parts: Sequence[Span]) -> Token:
    start, end = parts[0][0], parts[-1][1]
    return Token(text[start:end], start, end, lemma=" ".join(lemma(text[s:e]) for s, e in parts))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    """Tokenizer for Vietnamese with and without diacritics (``segmenter``: ``underthesea`` or ``syllable``)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "segmenter": "underthesea",
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["vi"]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["underthesea"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "VietnameseTokenizer":
        if config.get("segmenter") not in ("underthesea", "syllable"):
            raise ValueError(f"VietnameseTokenizer: unknown segmenter {config.get('segmenter')!r}")
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        syllables = list(spans(text))
        groups: List[Span] = []
        if self._config["segmenter"] == "underthesea" and len(syllables) > 1:
            try:
                groups = underthesea_groups(text)
            except (ValueError, IndexError, RuntimeError) as exc:  # segmentation is an optimisation, not a need
                logger.debug("underthesea failed on %r: %s", text, exc)
        return self._apply_token_pattern(merge(text, syllables, groups))
