"""The frozen set of issue 22 (tests/bot/beyond_twelve_frozen.yml, committed before any tuning) through the real
model and the real dialogue (the action server and gateway of test_first_replies): the NLU's intent accuracy (all,
and on messages typed without diacritics), the share of beyond-the-twelve questions answered with the labelled
directory entry, and the share of replies that are a menu or a refusal unrelated to the question (the menu of the
commune's procedures for a question that is not about one of them, "cannot advise" or the health prompt for a
question that is not about health). Each figure is held to a floor: what was measured (docs/nlu.md, "Beyond the
twelve: the frozen set"), minus 2 points; the unrelated share to a ceiling.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.referrals import CANNOT_ADVISE
from bot.components.text import has_diacritics
from knowledge.directory import by_id
from tests.actions.test_first_replies import MODEL, action_server, first_replies  # noqa: F401 - the fixture

FROZEN = Path(__file__).resolve().parents[2] / "tests" / "bot" / "beyond_twelve_frozen.yml"
MENU = "anh/chị muốn hỏi về thủ tục nào"
HEALTH_PROMPT = "cần tư vấn về vấn đề sức khỏe gì"
# Floors: what the model trained on this data measured here on 7 Dec 2026 (second round of issue 22:
# DirectoryIntentResolver and directory_styles.yml; docs/nlu.md) — intent 94.1% all, 93.1% without diacritics, right
# entry 90.4%, unrelated replies 1.3% — minus 2 points (DIET's run-to-run spread on this set was about one point
# across the round's trainings: 93.1–94.1% all, 92.2–94.0% without diacritics), the unrelated share to 3%.
# 8 Dec 2026 (docs/nlu.md "Third round"): over five trainings of the same data with different seeds the set measured
# 92.4–93.7% all and 90.5–94.0% without diacritics; the floors are the lowest draw minus 1.5 points, so a training's
# luck cannot fail `make test` and a regression of the mean by about two points still does.
FLOORS = {"intent": 0.91, "intent without diacritics": 0.89, "right entry": 0.88}
UNRELATED_CEILING = 0.03


def frozen() -> list[dict[str, Any]]:
    document = yaml.safe_load(FROZEN.read_text(encoding="utf-8"))
    items = []
    for group in document["groups"]:
        entry = group.get("directory")
        for text in group["texts"]:
            items.append(
                {"text": str(text), "intent": group["intent"], "entry": None if entry in (None, "-") else entry}
            )
    return items


def unrelated(item: dict[str, Any], text: str) -> str | None:
    """Why this first reply is a menu or refusal unrelated to the question, or None."""
    lowered = text.lower()
    if MENU in lowered and item["intent"] != "ask_procedure":
        return "procedure menu"
    if (CANNOT_ADVISE in text or HEALTH_PROMPT in lowered) and item["intent"] not in {
        "health_question",
        "book_consultation",
    }:
        return "health refusal"
    return None


def figures(items: list[dict[str, Any]], results: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    counts = {"intent": [0, 0], "intent without diacritics": [0, 0], "right entry": [0, 0]}
    bad: list[str] = []
    misses: list[str] = []
    for item, (_action, first, parse) in zip(items, results, strict=True):
        predicted = (parse.get("intent") or {}).get("name")
        for name in ("intent",) if has_diacritics(item["text"]) else ("intent", "intent without diacritics"):
            counts[name][0] += predicted == item["intent"]
            counts[name][1] += 1
        if predicted != item["intent"]:
            misses.append(f"{item['intent']} → {predicted}: {item['text'][:80]}")
        text = first.get("text") or ""
        if item["entry"]:
            counts["right entry"][0] += by_id()[item["entry"]].agency.split(";")[0][:40] in text
            counts["right entry"][1] += 1
        if why := unrelated(item, text):
            bad.append(f"{why}: {item['text'][:80]}")
    rates = {name: right / max(total, 1) for name, (right, total) in counts.items()}
    return {
        "rates": rates,
        "counts": counts,
        "unrelated": bad,
        "unrelated share": len(bad) / len(items),
        "misses": misses,
    }


def test_frozen_set_floors(action_server: str) -> None:  # noqa: F811 - the fixture
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `xaso train` first.")
    items = frozen()
    measured = figures(items, asyncio.run(first_replies(action_server, [i["text"] for i in items])))
    print({k: v for k, v in measured.items() if k != "misses"})
    print("\n".join(measured["misses"]))
    for name, floor in FLOORS.items():
        assert measured["rates"][name] >= floor, (name, measured["rates"], measured["counts"])
    assert measured["unrelated share"] <= UNRELATED_CEILING, measured["unrelated"]


def test_the_judge_catches_the_replies_of_the_issue() -> None:
    """The mutant: the replies the issue reported (the menu, the health refusal) are counted as unrelated."""
    passport = {"text": "làm hộ chiếu cho con", "intent": "out_of_scope", "entry": "ho_chieu"}
    menu = "Dạ, anh/chị muốn hỏi về thủ tục nào ạ? Anh/chị chọn bên dưới hoặc gõ tên thủ tục giúp em."
    assert unrelated(passport, menu) == "procedure menu"
    assert unrelated(passport, CANNOT_ADVISE + " (thuốc, liều dùng…)") == "health refusal"
    assert unrelated(passport, "Dạ, anh/chị cần tư vấn về vấn đề sức khỏe gì ạ?") == "health refusal"
    right = f"Dạ, … Nơi giải quyết: {by_id()['ho_chieu'].agency}."
    result = figures([passport], [("action_refer", {"text": right}, {"intent": {"name": "out_of_scope"}})])
    assert result["rates"]["right entry"] == 1.0 and result["unrelated share"] == 0.0
