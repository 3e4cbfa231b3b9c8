"""The fuzzy leak check: which held-out sentences (and test stories) are near-copies of the training data.

A held-out sentence leaks when, after folding (``bot.components.text.key``: accents, case, teencode, punctuation),
it equals a training sentence, is one word away from a training sentence of the same label (one word added, dropped
or swapped), or is at least ``RATIO`` similar to one character by character (difflib). A sentence one word away
from a training sentence of *another* label is a contrast, not a leak ("đau ngực" against "hết đau ngực"). A test
story leaks when its sequence of intents and actions is a training story's. Pure Python (no Rasa): both
environments can run it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import yaml

from bot.components.text import key

ROOT = Path(__file__).resolve().parents[2]
RATIO = 0.9  # character similarity of the folded texts at or above which two sentences are the same sentence
MIN_SHARED = 2  # words two sentences one word apart must share to count as one sentence
EMERGENCY = "health_emergency"
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Example:
    text: str
    label: str | None  # the intent; None when the source does not say (then any training label counts)
    source: str


@dataclass(frozen=True)
class Leak:
    held_out: Example
    training: Example
    kind: str  # "same text" | "one word" | "similar"

    def __str__(self) -> str:
        held, trained = self.held_out, self.training
        return f"{held.source}: {held.text!r} ~ {trained.text!r} ({self.kind}, {trained.source})"


def plain(text: str) -> str:
    """The sentence without Rasa's entity annotations: ``[gks](procedure:khai_sinh)`` → ``gks``."""
    return _ANNOTATION.sub(r"\1", text)


def nlu_examples(path: Path) -> Iterator[Example]:
    files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
    for file in files:
        document = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        yield from _nlu_block(document.get("nlu") or [], str(file.relative_to(ROOT)))


def _nlu_block(items: list[dict[str, Any]], source: str) -> Iterator[Example]:
    for item in items:
        if "intent" not in item:
            continue
        for line in str(item.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                yield Example(plain(line[2:].strip()), str(item["intent"]), source)


def contrast_examples(path: Path = ROOT / "tests" / "safety" / "contrast.yml") -> Iterator[Example]:
    """The safety contrast set: "emergency" sentences are emergencies, every other group is not."""
    groups = yaml.safe_load(path.read_text(encoding="utf-8"))
    for group, texts in groups.items():
        for text in texts:
            yield Example(str(text), EMERGENCY if group == "emergency" else "not:" + EMERGENCY, f"contrast.yml:{group}")


def frozen_examples(path: Path = ROOT / "tests" / "bot" / "beyond_twelve_frozen.yml") -> Iterator[Example]:
    """The frozen set of issue 22: groups of texts with their intent (and directory entry)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for group in document["groups"]:
        for text in group["texts"]:
            yield Example(str(text), str(group["intent"]), f"beyond_twelve_frozen.yml:{group.get('directory') or ''}")


def story_examples(path: Path) -> Iterator[Example]:
    for file in sorted(path.rglob("*.yml")):
        document = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for story in document.get("stories") or []:
            for step in story.get("steps") or []:
                text = step.get("user")
                if text and not str(text).startswith("/"):  # a button payload is not a sentence
                    yield Example(plain(str(text)), step.get("intent"), f"{file.relative_to(ROOT)}:{story['story']}")


def python_strings(path: Path, *, variable: str | None = None) -> Iterator[Example]:
    """Sentences a test module sends to the NLU: the first string of each ``parametrize`` case (its intent when the
    case names one) and each string assigned to ``text``, or the NLU YAML assigned to ``variable``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    source = str(path.relative_to(ROOT))
    if variable is not None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == variable for t in node.targets):
                document = yaml.safe_load(ast.literal_eval(node.value))
                yield from _nlu_block(document["nlu"], f"{source}:{variable}")
        return
    for node in ast.walk(tree):
        named_text = isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "text"
        if named_text and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):  # type: ignore[attr-defined]
            yield Example(node.value.value, None, source)  # type: ignore[attr-defined]
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "parametrize" and len(node.args) >= 2:
            for case in ast.literal_eval(node.args[1]):
                values = case if isinstance(case, tuple) else (case,)
                if isinstance(values[0], str):
                    label = values[1] if len(values) > 1 and isinstance(values[1], str) else None
                    yield Example(values[0], label, source)


def story_sequences(path: Path, part: str = "stories") -> Iterator[tuple[tuple[str, ...], str]]:
    """Each story's (or rule's) intents and actions in order (slots, loops and conditions left out)."""
    for file in sorted(path.rglob("*.yml")):
        document = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for story in document.get(part) or []:
            steps = story.get("steps") or []
            sequence = tuple(
                f"intent:{s['intent']}" if "intent" in s else f"action:{s['action']}"
                for s in steps
                if "intent" in s or "action" in s
            )
            yield sequence, f"{file.relative_to(ROOT)}:{story.get('story') or story.get('rule')}"


def _one_word_apart(a: list[str], b: list[str]) -> bool:
    """One word added, dropped or swapped, with at least ``MIN_SHARED`` words in common ("vâng" and "có" are one
    word apart too, and are different sentences)."""
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) - (len(a) == len(b)) < MIN_SHARED:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=False)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _same_label(held: str | None, trained: str | None) -> bool:
    if held is None:
        return True
    if held.startswith("not:"):
        return trained != held[4:]
    return held == trained


def find_leaks(held_out: Iterable[Example], training: Iterable[Example], *, ratio: float = RATIO) -> list[Leak]:
    trained = [(t, key(t.text)) for t in training]
    by_key: dict[str, Example] = {}
    for example, folded in trained:
        by_key.setdefault(folded, example)
    leaks = []
    for held in held_out:
        folded = key(held.text)
        if not folded:
            continue
        if folded in by_key:
            leaks.append(Leak(held, by_key[folded], "same text"))
            continue
        words = folded.split()
        for example, other in trained:
            if not _same_label(held.label, example.label):
                continue
            if _one_word_apart(words, other.split()):
                leaks.append(Leak(held, example, "one word"))
                break
            matcher = SequenceMatcher(None, folded, other, autojunk=False)
            if matcher.real_quick_ratio() >= ratio and matcher.quick_ratio() >= ratio and matcher.ratio() >= ratio:
                leaks.append(Leak(held, example, "similar"))
                break
    return leaks


def training_examples() -> list[Example]:
    return list(nlu_examples(ROOT / "nlu_data" / "nlu"))


def held_out_examples() -> list[Example]:
    tests = ROOT / "tests"
    return [
        *nlu_examples(ROOT / "nlu_data" / "test" / "nlu"),
        *nlu_examples(ROOT / "nlu_data" / "test" / "long"),
        *contrast_examples(),
        *frozen_examples(),
        *python_strings(tests / "api" / "test_nlu_parse.py"),
        *python_strings(tests / "cli" / "test_nlu_cli.py", variable="HELD_OUT"),
    ]


def story_leaks() -> list[str]:
    """Test stories whose whole intent/action sequence is a training story's or a rule's: memory, not a test of
    how the policies generalise. (Their user texts are not checked: the dialogue test gives Rasa the intent.)"""
    trained = dict(story_sequences(ROOT / "nlu_data" / "rules", "rules"))
    trained.update(story_sequences(ROOT / "nlu_data" / "stories"))
    return [
        f"{name} repeats {trained[sequence]}"
        for sequence, name in story_sequences(ROOT / "nlu_data" / "test" / "stories")
        if sequence in trained
    ]


if __name__ == "__main__":
    import time

    started = time.monotonic()
    found = find_leaks(held_out_examples(), training_examples())
    for leak in found:
        print(leak)
    for line in story_leaks():
        print(line)
    print(f"{len(found)} sentence leaks, {len(story_leaks())} story leaks, {time.monotonic() - started:.1f} s")
