"""The intents and entity types an officer may choose from, read from the bot's domain (bot/domain/*.yml).

The gateway never imports Rasa; it reads the same YAML the bot is trained with, so the review inbox offers exactly
the labels the model knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from api.config import PROJECT_ROOT

DOMAIN_DIR = PROJECT_ROOT / "bot" / "domain"
# Rasa's own intents that are never training labels.
HIDDEN_INTENTS = frozenset({"nlu_fallback", "restart", "session_start", "back", "out_of_scope_auto"})


@dataclass(frozen=True)
class Catalogue:
    intents: tuple[str, ...]
    entities: tuple[str, ...]


def _names(items: object) -> list[str]:
    names = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and item:
            names.append(str(next(iter(item))))
    return names


@lru_cache(maxsize=4)
def load_catalogue(domain_dir: Path = DOMAIN_DIR) -> Catalogue:
    intents: dict[str, None] = {}
    entities: dict[str, None] = {}
    for path in sorted(domain_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name in _names(data.get("intents")):
            if name not in HIDDEN_INTENTS:
                intents.setdefault(name, None)
        for name in _names(data.get("entities")):
            entities.setdefault(name, None)
    return Catalogue(tuple(sorted(intents)), tuple(sorted(entities)))
