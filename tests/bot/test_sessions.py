"""bot/sessions.py makes long conversations cheaper, never different: the dialogue states are the ones stock Rasa
computes (every option, growing trackers, a reverted turn), and a tracker kept between turns is handed out only when
it is exactly what the store holds."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUtteranceReverted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import sessions

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "bot" / "domain"))
ORIGINAL = Domain.states_for_tracker_history
MEMO = sessions._make_states_for_tracker_history(ORIGINAL)
sessions._patch_tracker_store(sessions.TrackerCache(None))  # as bot.server does, without Redis (one replica)
RULE_ONLY = {"slots": [s.name for s in DOMAIN.slots][:2], "active_loops": list(DOMAIN.form_names)[:1]}
OPTIONS = [(False, False, None), (True, False, None), (False, True, RULE_ONLY), (True, True, RULE_ONLY)]


def _turn(rng: random.Random, index: int) -> list[Any]:
    intent = rng.choice(DOMAIN.intents)
    utter = rng.choice([a for a in DOMAIN.action_names_or_texts if a.startswith("utter_")])
    events: list[Any] = [
        UserUttered(f"tin nhắn {index}", intent={"name": intent, "confidence": 1.0}),
        ActionExecuted(utter, hide_rule_turn=rng.random() < 0.3),
    ]
    slot = rng.choice([s for s in DOMAIN.slots if s.type_name in ("text", "any", "categorical", "bool")] or [None])
    if slot is not None and rng.random() < 0.5:
        events.append(SlotSet(slot.name, True if slot.type_name == "bool" else f"v{index}"))
    events.append(ActionExecuted("action_listen"))
    return events


def _same(tracker: DialogueStateTracker) -> None:
    for omit, ignore, rule_only in OPTIONS:
        expected = ORIGINAL(DOMAIN, tracker, omit, ignore, rule_only)
        assert MEMO(DOMAIN, tracker, omit, ignore, rule_only) == expected
        again = MEMO(DOMAIN, tracker, omit, ignore, rule_only)
        assert again == expected
        if again:  # callers may edit what they get (as the featurizers do): the next caller is not affected
            for state in again:
                state.get("user", {}).clear()
            again[-1].clear()
            assert MEMO(DOMAIN, tracker, omit, ignore, rule_only) == expected


def test_states_match_stock_rasa_as_the_conversation_grows() -> None:
    rng = random.Random(14)
    tracker = DialogueStateTracker("zalo:xa-demo:1", DOMAIN.slots)
    tracker.update(ActionExecuted("action_listen"))
    for index in range(40):
        for event in _turn(rng, index):
            tracker.update(event)
        if index % 5 == 0:
            _same(tracker)
    tracker.update(UserUtteranceReverted())  # history rewritten: computed again, as Rasa does
    _same(tracker)
    for event in _turn(rng, 99):
        tracker.update(event)
    _same(tracker)


def test_a_reloaded_tracker_gets_the_same_states() -> None:
    rng = random.Random(7)
    tracker = DialogueStateTracker("tg:xa-demo:2", DOMAIN.slots)
    for index in range(15):
        for event in _turn(rng, index):
            tracker.update(event)
    _same(tracker)
    copy = DialogueStateTracker.from_dict(tracker.sender_id, [e.as_dict() for e in tracker.events], DOMAIN.slots)
    _same(copy)  # other event objects: not taken for the cached ones


@pytest.fixture
def store(tmp_path: Path) -> SQLTrackerStore:
    return SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))


def test_a_saved_tracker_is_kept_and_an_unsaved_change_is_not(store: SQLTrackerStore) -> None:
    async def run() -> None:
        tracker = DialogueStateTracker("web:xa-demo:3", DOMAIN.slots)
        for event in _turn(random.Random(1), 0):
            tracker.update(event)
        await store.save(tracker)
        first = await store.retrieve("web:xa-demo:3")  # loaded from the database, then kept
        assert first is not None and len(first.events) == len(tracker.events)
        first.update(UserUttered("xin chào", intent={"name": DOMAIN.intents[0], "confidence": 1.0}))
        await store.save(first)
        assert await store.retrieve("web:xa-demo:3") is first  # current: handed out again
        first.update(ActionExecuted("action_listen"))  # changed, never saved (a turn that failed)
        reloaded = await store.retrieve("web:xa-demo:3")
        assert reloaded is not first and reloaded is not None
        assert len(reloaded.events) == len(first.events) - 1

    asyncio.run(run())


def test_another_replica_saving_invalidates_the_kept_tracker() -> None:
    cache = sessions.TrackerCache(None)
    tracker = DialogueStateTracker("web:xa-demo:4", DOMAIN.slots)
    cache.keep(tracker, 3)
    assert cache.take("web:xa-demo:4", 3) is tracker
    assert cache.take("web:xa-demo:4", 4) is None  # saved elsewhere since
    cache.keep(tracker, 4)
    assert cache.take("web:xa-demo:4", sessions.UNKNOWN) is None  # Redis could not say: reload


def test_the_rule_policy_debug_line_reads_the_same_when_printed() -> None:
    import copy

    from rasa.core.policies.policy import Policy

    states = ORIGINAL(DOMAIN, DialogueStateTracker("web:xa-demo:5", DOMAIN.slots))
    lazy = sessions._LazyStates(states, Policy.format_tracker_states)
    assert str(copy.deepcopy(lazy)) == Policy.format_tracker_states(states) == repr(lazy)


def test_actions_get_the_same_state_with_the_recent_events() -> None:
    from rasa.core.actions.action import RemoteAction

    stock = RemoteAction._action_call_format
    windowed = sessions._make_action_call_format(stock)
    action = RemoteAction("action_office_hours", None)
    rng = random.Random(3)
    tracker = DialogueStateTracker("zalo:xa-demo:6", DOMAIN.slots)
    while len(tracker.events) <= sessions.ACTION_EVENTS + 40:
        for event in _turn(rng, len(tracker.events)):
            tracker.update(event)
    ours, theirs = windowed(action, tracker, DOMAIN), stock(action, tracker, DOMAIN)
    assert ours["tracker"].pop("events") == theirs["tracker"].pop("events")[-sessions.ACTION_EVENTS :]
    assert ours == theirs
    assert "current_state" not in vars(tracker)  # the tracker is left as it was
    short = DialogueStateTracker("zalo:xa-demo:7", DOMAIN.slots)
    assert windowed(action, short, DOMAIN) == stock(action, short, DOMAIN)


def test_applied_events_match_stock_rasa_event_by_event() -> None:
    from rasa.shared.core.events import ActionReverted, ActiveLoop, Restarted, SessionStarted

    stock = DialogueStateTracker.applied_events
    extended = sessions._make_applied_events(stock)
    rng = random.Random(11)
    form = next(iter(DOMAIN.form_names), "report_form")
    tracker = DialogueStateTracker("web:xa-demo:8", DOMAIN.slots)
    extras = [
        lambda: ActiveLoop(form), lambda: ActionExecuted(form), lambda: ActiveLoop(None), lambda: ActionReverted(),
        lambda: UserUtteranceReverted(), lambda: Restarted(), lambda: SessionStarted(),
    ]  # fmt: skip
    for index in range(120):
        events = _turn(rng, index)
        if rng.random() < 0.25:
            events.insert(rng.randrange(len(events) + 1), rng.choice(extras)())
        for event in events:
            tracker.update(event)
            assert extended(tracker) == stock(tracker)
