"""Emergency recall and precision of the gateway's decision on labelled Vietnamese messages.

The held-out NLU sets (``nlu_data/test/nlu/*.yml``, the long messages in ``nlu_data/test/long/*.yml``) and the user
turns of the held-out stories (``nlu_data/test/stories/*.yml``) are labelled by intent: ``health_emergency`` is an
emergency, every other intent is not. The contrast set (``tests/safety/contrast.yml``) adds messages that look like
emergencies and are not (casual chat, questions about illnesses in general, past events, negations) and emergencies
written the way people write.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from api.config import PROJECT_ROOT

EMERGENCY_INTENT = "health_emergency"
HELD_OUT = PROJECT_ROOT / "nlu_data" / "test"
CONTRAST = PROJECT_ROOT / "tests" / "safety" / "contrast.yml"
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


@dataclass(frozen=True)
class Example:
    text: str
    emergency: bool
    source: str


def _plain(example: str) -> str:
    """``[đèn đường](category:chieu_sang) hỏng`` → ``đèn đường hỏng``."""
    return _ANNOTATION.sub(lambda m: m.group(1) or m.group(2) or "", example).strip()


def held_out(directory: Path = HELD_OUT) -> list[Example]:
    examples: list[Example] = []
    for path in sorted([*(directory / "nlu").glob("*.yml"), *(directory / "long").glob("*.yml")]):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            intent = block.get("intent")
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if intent and line.startswith("- "):
                    examples.append(Example(_plain(line[2:]), intent == EMERGENCY_INTENT, path.name))
    for path in sorted((directory / "stories").glob("*.yml")):
        for story in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("stories") or []:
            for step in story.get("steps") or []:
                if isinstance(step, dict) and "user" in step and not str(step["user"]).startswith("/"):
                    emergency = step.get("intent") == EMERGENCY_INTENT
                    examples.append(Example(_plain(str(step["user"])), emergency, f"stories/{path.name}"))
    return examples


def emergency_sentences(directory: Path = HELD_OUT) -> list[str]:
    """Every emergency message of the held-out sets, once each."""
    return sorted({e.text for e in held_out(directory) if e.emergency})


def contrast(path: Path = CONTRAST) -> list[Example]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [Example(str(t), True, "contrast") for t in data.get("emergency") or []] + [
        Example(str(t), False, "contrast") for group in ("casual", "general", "past", "negated", "other")
        for t in data.get(group) or []
    ]  # fmt: skip


@dataclass
class Score:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    true_negative: int = 0
    missed: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        found = self.true_positive + self.false_negative
        return self.true_positive / found if found else 1.0

    @property
    def precision(self) -> float:
        alarms = self.true_positive + self.false_positive
        return self.true_positive / alarms if alarms else 1.0


def score(examples: Iterable[Example], is_emergency: Callable[[str], bool]) -> Score:
    result = Score()
    for example in examples:
        alarm = is_emergency(example.text)
        if example.emergency and alarm:
            result.true_positive += 1
        elif example.emergency:
            result.false_negative += 1
            result.missed.append(example.text)
        elif alarm:
            result.false_positive += 1
            result.false_alarms.append(example.text)
        else:
            result.true_negative += 1
    return result


def report() -> str:
    """The figures, as docs/safety.md states them: ``python -m api.safety.evaluation``."""
    from api.safety.lexicon import classify

    lines = []
    for name, examples in (
        ("held-out (nlu_data/test)", held_out()),
        ("contrast (tests/safety/contrast.yml)", contrast()),
    ):
        result = score(examples, lambda text: classify(text).emergency)
        alarms = result.true_positive + result.false_positive
        lines.append(
            f"{name}: {len(examples)} messages, {result.true_positive + result.false_negative} emergencies; "
            f"recall {result.recall:.1%} ({result.true_positive}/{result.true_positive + result.false_negative}), "
            f"precision {result.precision:.1%} ({result.true_positive}/{alarms})"
        )
        lines += [f"  missed: {text}" for text in result.missed]
        lines += [f"  false alarm: {text}" for text in result.false_alarms]
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
