"""Emergency triage measured on labelled Vietnamese messages: ``python -m api.safety.evaluation``.

The FROZEN evaluation set (``tests/safety/frozen_set.yml``, written and committed before any tuning) is scored per
situation family: recall (an alarm for an emergency), false alarms (an alarm, i.e. an urgent case, for a
non-emergency), the right number (the first reply names every expected number, the expected first one first) and the
first reply's p95 latency in-process; ``python -m cli.safety_eval --states`` also runs the whole set through the
gateway in each conversation state (it builds the whole app, so it lives above it); ``--families`` trains the
learned reader without one situation family at a time and tests it on that family. The older sets stay for the
lexicon's own figures:

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


FROZEN = PROJECT_ROOT / "tests" / "safety" / "frozen_set.yml"
FAMILIES = ("medical", "injury", "violence", "fire", "drowning", "poisoning", "mental", "choking")
_NUMBER = re.compile(r"(?<!\d)(11[345])(?!\d)")


@dataclass(frozen=True)
class Item:
    text: str
    emergency: bool
    situation: str
    numbers: tuple[str, ...]
    kind: str
    who: str | None = None
    guidance: str | None = None


def frozen(path: Path = FROZEN) -> list[Item]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        Item(
            str(i["text"]),
            bool(i["emergency"]),
            str(i["situation"]),
            tuple(str(n) for n in i.get("numbers") or ()),
            str(i["kind"]),
            i.get("who"),
            i.get("guidance"),
        )
        for i in data.get("items") or []
    ]


def numbers_in(text: str) -> list[str]:
    """The emergency numbers a reply names, in the order it names them."""
    return list(dict.fromkeys(_NUMBER.findall(text or "")))


def right_number(expected: tuple[str, ...], reply: str) -> bool:
    found = numbers_in(reply)
    return bool(found) and found[0] == expected[0] and set(expected) <= set(found)


@dataclass(frozen=True)
class Reply:
    action: str  # alarm | check | firstaid | fever | diarrhoea | homecare | none
    text: str


def first_reply(text: str, *, reader: bool = True) -> Reply:
    """What the gateway answers first with Rasa down (the triage and the learned reader; api/safety/flows.py)."""
    from api.safety.guidance import alarm_message, check_message, firstaid_message, topic_message
    from api.safety.reader import READER, THRESHOLD
    from api.safety.triage import decide

    decision = decide(text)
    if decision.action == "alarm":
        return Reply("alarm", alarm_message(decision))
    if decision.action == "firstaid":
        return Reply("firstaid", firstaid_message(decision))
    if decision.action != "none":
        return Reply(decision.action, topic_message(decision.action))
    probability = READER.probability(text) if reader else None
    if decision.reading.when == "now" and probability is not None and probability >= THRESHOLD:
        return Reply("check", check_message())
    return Reply("none", "")


@dataclass
class Tally:
    emergencies: int = 0
    alarms: int = 0
    checks: int = 0
    right_numbers: int = 0
    others: int = 0
    false_alarms: int = 0
    other_checks: int = 0
    missed: list[str] = field(default_factory=list)
    wrong_number: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)

    def add(self, item: Item, reply: Reply) -> None:
        if item.emergency:
            self.emergencies += 1
            self.alarms += reply.action == "alarm"
            self.checks += reply.action == "check"
            if reply.action != "alarm":
                self.missed.append(f"[{reply.action}] {item.text}")
            if right_number(item.numbers, reply.text):
                self.right_numbers += 1
            elif reply.action == "alarm":
                self.wrong_number.append(f"{'/'.join(item.numbers)} ≠ {'/'.join(numbers_in(reply.text))}: {item.text}")
        else:
            self.others += 1
            self.false_alarms += reply.action == "alarm"
            self.other_checks += reply.action == "check"
            if reply.action == "alarm":
                self.false.append(item.text)

    @property
    def recall(self) -> float:
        return self.alarms / self.emergencies if self.emergencies else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.others if self.others else 0.0

    @property
    def right_number_rate(self) -> float:
        """Over every emergency: a missed one has no right number."""
        return self.right_numbers / self.emergencies if self.emergencies else 1.0

    def row(self, name: str, p95: float | None = None) -> str:
        latency = f" | {p95 * 1000:.1f} ms" if p95 is not None else ""
        return (
            f"| {name} | {self.emergencies} | {self.recall:.1%} ({self.alarms}/{self.emergencies}) | {self.checks} | "
            f"{self.others} | {self.false_alarm_rate:.1%} ({self.false_alarms}/{self.others}) | {self.other_checks} | "
            f"{self.right_number_rate:.1%} ({self.right_numbers}/{self.emergencies}){latency} |"
        )


HEADER = (
    "| {0} | emergencies | recall (alarm) | check replies | look-alikes | false alarms | check replies | right number "
    "| {1}\n|---|---|---|---|---|---|---|---|{2}"
)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


def score_frozen(items: list[Item], answer: Callable[[str], Reply] = first_reply) -> tuple[dict[str, Tally], float]:
    """Per situation family and ``all``; the in-process first-reply p95 in seconds."""
    import time

    tallies: dict[str, Tally] = {name: Tally() for name in (*FAMILIES, "nonsafety", "all")}
    latencies = []
    for item in items:
        started = time.perf_counter()
        reply = answer(item.text)
        latencies.append(time.perf_counter() - started)
        tallies[item.situation].add(item, reply)
        tallies["all"].add(item, reply)
    return tallies, p95(latencies)


def guidance_table(items: list[Item], answer: Callable[[str], Reply] = first_reply) -> list[str]:
    """Non-emergencies by kind: what the citizen got first."""
    from collections import Counter

    by_kind: dict[str, Counter[str]] = {}
    for item in items:
        if not item.emergency:
            by_kind.setdefault(item.kind, Counter())[answer(item.text).action] += 1
    return [f"  {kind}: " + ", ".join(f"{a} {n}" for a, n in c.most_common()) for kind, c in sorted(by_kind.items())]


StateRun = Callable[[list[Item]], dict[str, tuple[Tally, float]]]  # the frozen set through the gateway, per state
STATES_COMMAND = "python -m cli.safety_eval --states"


def report(*, by_state: StateRun | None = None, families: bool = False) -> str:
    """The frozen set's table; ``by_state``: also the per-state run through the gateway (cli/safety_eval.py)."""
    from api.safety.reader import READER

    READER.wait()
    items = frozen()
    tallies, latency = score_frozen(items)
    lines = [
        f"Frozen set {FROZEN.relative_to(PROJECT_ROOT)}: {len(items)} messages, "
        f"{sum(i.emergency for i in items)} emergencies (first reply as the gateway sends it, Rasa down)",
        HEADER.format("situation", "first reply p95 |", "---|"),
    ]
    lines += [tallies[name].row(name, latency if name == "all" else None) for name in tallies]
    lines.append("What non-emergencies got first (kind: action count):")
    lines += guidance_table(items)
    everything = tallies["all"]
    lines += [f"  missed: {t}" for t in everything.missed]
    lines += [f"  wrong number: {t}" for t in everything.wrong_number]
    lines += [f"  false alarm: {t}" for t in everything.false]
    if by_state is not None:
        lines.append(HEADER.format("conversation state", "first reply p95 |", "---|"))
        lines += [tally.row(state, p) for state, (tally, p) in by_state(items).items()]
    if families:
        from api.safety.reader import held_out_families

        lines.append("Learned reader alone, trained without one situation family, tested on that family's emergencies:")
        lines += [f"  {name}: {caught}/{total}" for name, (caught, total) in held_out_families(items).items()]
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    if "--states" in sys.argv:  # the per-state run builds the whole gateway app: a command line tool's job
        sys.exit(f"The per-state run goes through the whole gateway: {STATES_COMMAND} [--families]")
    print(report(families="--families" in sys.argv))
