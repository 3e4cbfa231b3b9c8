"""The triage on the FROZEN evaluation set (tests/safety/frozen_set.yml, committed alone before any tuning; #20, #30.3):
the figures docs/safety.md states, asserted in-process in about a second. The issue's targets (recall 100 %, false
alarms <= 3 %, the right number >= 98 %) are asserted too, as a strict expected failure while they are not met: the
day they are, the test fails until the marker goes and docs/safety.md is updated. A deliberately broken triage (the
danger signs unread) must fail the floor check."""

from __future__ import annotations

import time

import pytest

from api.safety import triage, vocabulary
from api.safety.evaluation import FAMILIES, Item, Tally, first_reply, frozen, right_number, score_frozen

# Measured on the first run of the finished triage over the frozen set (docs/safety.md); never lowered.
FLOOR = {"recall": 174 / 177, "false_alarms": 7 / 230, "right_number": 172 / 177}


def triage_only(text: str) -> object:
    return first_reply(text, reader=False)


def shortfalls(tallies: dict[str, Tally], floor: dict[str, float]) -> list[str]:
    everything = tallies["all"]
    found = []
    if everything.recall < floor["recall"]:
        found.append(f"recall {everything.recall:.1%}: {everything.missed}")
    if everything.false_alarm_rate > floor["false_alarms"]:
        found.append(f"false alarms {everything.false_alarm_rate:.1%}: {everything.false}")
    if everything.right_number_rate < floor["right_number"]:
        found.append(f"right number {everything.right_number_rate:.1%}: {everything.wrong_number}")
    return found


@pytest.fixture(scope="module")
def items() -> list[Item]:
    loaded = frozen()
    assert len(loaded) >= 400 and sum(i.emergency for i in loaded) >= 150
    assert {i.situation for i in loaded if i.emergency} == set(FAMILIES)
    assert {i.who for i in loaded if i.emergency} == {"newborn", "child", "pregnant", "elderly", "adult", "several"}
    return loaded


def test_the_frozen_figures_hold(items: list[Item]) -> None:
    started = time.perf_counter()
    tallies, _p95 = score_frozen(items, triage_only)  # type: ignore[arg-type]
    assert shortfalls(tallies, FLOOR) == []
    assert time.perf_counter() - started < 30


@pytest.mark.xfail(strict=True, reason="first run on the frozen set: recall 98.3 %, right number 97.2 % (#20)")
def test_the_issue_targets(items: list[Item]) -> None:
    tallies, _p95 = score_frozen(items, triage_only)  # type: ignore[arg-type]
    assert shortfalls(tallies, {"recall": 1.0, "false_alarms": 0.03, "right_number": 0.98}) == []


def test_a_triage_blind_to_danger_signs_fails_the_check(items: list[Item], monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutant (#30.3): the danger signs are never read; the frozen-set check must notice."""
    monkeypatch.setattr(vocabulary, "DANGER", ())
    tallies, _p95 = score_frozen(items, triage_only)  # type: ignore[arg-type]
    assert shortfalls(tallies, FLOOR)


def test_a_triage_with_one_number_for_everything_fails_the_check(
    items: list[Item], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mutant: 115 for every situation (the violence and fire numbers dropped); the right-number check must notice."""
    monkeypatch.setattr(triage, "_numbers", lambda *_args: ("115",))
    tallies, _p95 = score_frozen(items, triage_only)  # type: ignore[arg-type]
    assert any(s.startswith("right number") for s in shortfalls(tallies, FLOOR))


@pytest.mark.parametrize(
    ("text", "action", "numbers"),
    [
        # the issue's three misses, in new words
        ("cháy chợ xã rồi, khói đen mù mịt, mọi người đang chạy ra", "alarm", ("114",)),
        ("be 10 thang tieu chay tu sang, mat trung, li bi, dua nuoc khong uong", "alarm", ("115",)),
        ("chồng em đang cầm dao dí em đòi giết", "alarm", ("113",)),
        # the issue's five false alarms, and the fever
        ("sơ cứu rắn cắn thế nào?", "firstaid", ()),
        ("ngộ độc thì nên làm gì, mình hỏi để biết", "firstaid", ()),
        ("bị 1 con ong đốt ở tay, sưng nhẹ thôi", "homecare", ()),
        ("con em đi xe đạp té trầy đầu gối", "homecare", ()),
        ("cứu em với, giấy khai sinh làm 2 tuần chưa xong", "none", ()),
        ("con em sốt 39 độ từ hôm qua, không có dấu hiệu gì khác", "fever", ()),
    ],
)
def test_the_issue_cases(text: str, action: str, numbers: tuple[str, ...]) -> None:
    reply = first_reply(text, reader=False)
    assert reply.action == action, (text, reply)
    if numbers:
        assert right_number(numbers, reply.text), reply.text
    if action == "firstaid":
        assert not reply.text.startswith("🚨") and reply.text.rstrip().endswith("gọi ngay 115.")
    if action == "fever":
        assert "co giật" in reply.text and "Nguồn" in reply.text  # the danger signs to watch, and the source


def test_the_urgent_case_shows_the_reading() -> None:
    decision = triage.decide("cháy nhà ở ấp 2, còn 1 bà cụ mắc kẹt trên lầu")
    assert decision.emergency and decision.numbers[:2] == ("114", "115")
    explained = decision.explain()
    assert "người cao tuổi" in explained and "cháy, nổ" in explained and "114 (cứu hỏa, cứu nạn)" in explained
