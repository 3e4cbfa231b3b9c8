"""No held-out text is a near-copy of the training data (issue 30, point 8): the held-out NLU sets, the safety
contrast set, the NLU inputs of the parse and `xaso nlu eval` tests, and the test stories' dialogue paths.

Each check is also run against a planted leak, so a check that stopped finding anything would fail here.
"""

from __future__ import annotations

import pytest

from tests.bot import leaks
from tests.bot.leaks import Example


@pytest.fixture(scope="module")
def training() -> list[Example]:
    return leaks.training_examples()


@pytest.fixture(scope="module")
def held_out() -> list[Example]:
    return leaks.held_out_examples()


def test_every_held_out_source_is_read(held_out: list[Example]) -> None:
    sources = {e.source.split(":")[0].split("/")[-1] for e in held_out}
    assert {"chitchat.yml", "long_real.yml", "contrast.yml", "test_nlu_parse.py", "test_nlu_cli.py"} <= sources
    assert "beyond_twelve_frozen.yml" in sources  # issue 22's frozen set
    assert len(held_out) >= 287 + 150 + 170


def test_no_held_out_sentence_is_a_near_copy_of_a_training_sentence(
    held_out: list[Example], training: list[Example]
) -> None:
    found = leaks.find_leaks(held_out, training)
    assert not found, "\n".join(map(str, found))


def test_no_test_story_repeats_a_training_story_or_rule() -> None:
    assert leaks.story_leaks() == []


def test_a_planted_near_copy_is_caught(training: list[Example]) -> None:
    """The mutant: held-out sets with near-copies of training sentences slipped in."""
    long_one = next(t for t in training if len(t.text.split()) >= 6 and t.label == "ask_procedure")
    words = long_one.text.split()
    planted = [
        Example(long_one.text.upper(), long_one.label, "planted"),  # same text once folded
        Example(" ".join([*words[:2], "nhé", *words[2:]]), long_one.label, "planted"),  # one word added
        Example(" ".join([*words[:-1], "vậy"]), long_one.label, "planted"),  # one word swapped
        Example(long_one.text + "a", long_one.label, "planted"),  # a typo: similar by character
    ]
    found = leaks.find_leaks(planted, training)
    assert [leak.held_out for leak in found] == planted
    # A sentence one word away from a training sentence of another intent is a contrast, not a leak.
    other = Example(" ".join([*words[:-1], "vậy"]), "out_of_scope", "planted")
    assert [leak.kind for leak in leaks.find_leaks([other], training)] in ([], ["same text"])


def test_one_word_apart_needs_a_shared_sentence() -> None:
    assert leaks._one_word_apart(
        ["khai", "sinh", "quá", "hạn", "có", "bị", "phạt"], ["khai", "sinh", "trễ", "hạn", "có", "bị", "phạt"]
    )
    assert leaks._one_word_apart(["cảm", "ơn", "em", "nhé"], ["cảm", "ơn", "nhé"])
    assert not leaks._one_word_apart(["vâng"], ["có"])  # two one-word answers are not one sentence
    assert not leaks._one_word_apart(["làm", "giấy", "khai", "sinh"], ["làm", "giấy", "khai", "tử", "ở", "đâu"])


def _safety_items(path: str) -> list[Example]:
    import yaml

    document = yaml.safe_load((leaks.ROOT / path).read_text(encoding="utf-8"))
    label = {True: leaks.EMERGENCY, False: "other"}
    return [Example(it["text"], label[bool(it["emergency"])], f"{path}:{n}") for n, it in enumerate(document["items"])]


# The frozen set is frozen (issue 20): the one near-copy found after it was committed stays, named here. It is a
# thank-you, not an emergency or a look-alike, so it cannot raise recall or lower the false-alarm rate.
FROZEN_KNOWN = {"cam on ad nhieu nha"}


def test_the_frozen_triage_set_is_no_near_copy_of_what_triage_was_tuned_on(training: list[Example]) -> None:
    """tests/safety/frozen_set.yml against the triage's training text and the NLU data (emergency vs the rest)."""
    frozen = _safety_items("tests/safety/frozen_set.yml")
    tuned = _safety_items("api/safety/training.yml") + [
        Example(e.text, leaks.EMERGENCY if e.label == leaks.EMERGENCY else "other", e.source) for e in training
    ]
    found = [leak for leak in leaks.find_leaks(frozen, tuned) if leak.held_out.text not in FROZEN_KNOWN]
    assert len(frozen) >= 400 and not found, "\n".join(map(str, found))
