"""Long conversations cost Rasa about as much per turn as short ones (issue 14).

Stock Rasa does two things per turn whose cost grows with the session: it reloads every event of the session from the
tracker store and turns it back into objects, and each policy rebuilds the dialogue state after every past action
(``Domain.states_for_tracker_history``), about five times per prediction. At turn 100 a session holds ~1,000 events.

1. **The tracker stays in memory between turns** (``SQLTrackerStore`` patched). After a turn is saved, its tracker is
   kept, with the number of events it held and a version. The next ``retrieve`` of that conversation hands it out
   again when it is still current: nothing was appended without being saved (same length), and - with several
   replicas - no other replica saved the conversation since (a version counter per conversation in Redis, bumped on
   every save; Rasa's lock store already keeps two replicas from working on one conversation at once). Otherwise it
   loads from the database as before. A turn that fails leaves an unsaved tracker behind, whose length no longer
   matches: it is reloaded. A tracker that started a new session is not kept (Rasa's save counts the stored events
   of the latest session only).
2. **Dialogue states are computed once per past action** (``Domain.states_for_tracker_history`` patched). The states
   of a conversation are remembered with the exact event objects they were computed from; the next call reuses
   them when its applied events begin with those same objects (the tracker kept in memory), and replays only the new
   ones. Any other tracker (a reloaded one, a reverted turn, training) is computed in full, exactly as Rasa does.
   Callers get copies of what the featurizers edit (the user sub-state).

3. **The rule policy's debug line is formatted only when logged**: it formatted every state of the conversation as
   text (and deep-copied it) on every prediction.

4. **Custom actions get the last ``ACTION_EVENTS`` events** (with the full slots, latest message and active form, as
   before), not every event of the session serialised, sent and parsed again on every action call. Our actions look
   back a few turns at most.

5. **Applied events are extended, not recomputed** when only plain events were added since the last call.

1 and 2 keep at most ``CACHED_CONVERSATIONS`` conversations (least recently used dropped). ``apply()`` runs in the Rasa
server process only (``python -m bot.server``); ``XASO_TRACKER_CACHE_REDIS`` (``redis://host:port/db``) turns on
the version check that several replicas need.
"""

from __future__ import annotations

import collections
import itertools
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Text, Tuple

CACHED_CONVERSATIONS = 2000
VERSION_PREFIX = "xaso:tracker:version:"
UNKNOWN = -1  # Redis could not tell: never matches, never kept
_applied = False


# ---- 1. trackers kept between turns --------------------------------------------------------------------------------
@dataclass
class _Kept:
    tracker: Any
    length: int
    version: Optional[int]


class TrackerCache:
    def __init__(self, redis_url: Optional[str]) -> None:
        self.kept: "collections.OrderedDict[Text, _Kept]" = collections.OrderedDict()
        self.redis: Any = None
        if redis_url:
            import redis.asyncio as aioredis

            self.redis = aioredis.Redis.from_url(redis_url, socket_timeout=2.0, socket_connect_timeout=2.0)

    async def version(self, sender_id: Text) -> Optional[int]:
        """The conversation's version (None without Redis; UNKNOWN when Redis cannot say)."""
        if self.redis is None:
            return None
        try:
            value = await self.redis.get(VERSION_PREFIX + sender_id)
        except Exception:  # Redis away: load from the database, as stock Rasa does
            return UNKNOWN
        return int(value) if value is not None else 0

    async def bump(self, sender_id: Text) -> Optional[int]:
        if self.redis is None:
            return None
        try:
            return int(await self.redis.incr(VERSION_PREFIX + sender_id))
        except Exception:
            return UNKNOWN

    def take(self, sender_id: Text, version: Optional[int]) -> Any:
        kept = self.kept.get(sender_id)
        if kept is None:
            return None
        if version == UNKNOWN:
            del self.kept[sender_id]
            return None
        if kept.version != version or len(kept.tracker.events) != kept.length:
            del self.kept[sender_id]
            return None
        self.kept.move_to_end(sender_id)
        return kept.tracker

    def keep(self, tracker: Any, version: Optional[int]) -> None:
        self.kept[tracker.sender_id] = _Kept(tracker, len(tracker.events), version)
        self.kept.move_to_end(tracker.sender_id)
        while len(self.kept) > CACHED_CONVERSATIONS:
            self.kept.popitem(last=False)

    def forget(self, sender_id: Text) -> None:
        self.kept.pop(sender_id, None)


def _starts_a_session(tracker: Any, since: int) -> bool:
    from rasa.shared.core.events import SessionStarted

    events = tracker.events
    return any(isinstance(events[i], SessionStarted) for i in range(max(1, since), len(events)))


def _patch_tracker_store(cache: TrackerCache) -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    original_retrieve = SQLTrackerStore.retrieve
    original_save = SQLTrackerStore.save

    async def retrieve(self: Any, sender_id: Text) -> Any:
        version = await cache.version(sender_id)
        tracker = cache.take(sender_id, version)
        if tracker is not None:
            return tracker
        tracker = await original_retrieve(self, sender_id)
        if tracker is not None and version != UNKNOWN:
            cache.keep(tracker, version)
        return tracker

    async def save(self: Any, tracker: Any) -> None:
        kept = cache.kept.get(tracker.sender_id)
        stored_before = kept.length if kept is not None and kept.tracker is tracker else 0
        cache.forget(tracker.sender_id)  # kept again only once safely stored
        await original_save(self, tracker)
        version = await cache.bump(tracker.sender_id)
        if stored_before and version != UNKNOWN and not _starts_a_session(tracker, stored_before):
            cache.keep(tracker, version)

    SQLTrackerStore.retrieve = retrieve  # type: ignore[method-assign]
    SQLTrackerStore.save = save  # type: ignore[method-assign]


# ---- 2. dialogue states computed once per past action ---------------------------------------------------------------
@dataclass
class _Replay:
    tracker: Any  # the tracker as it was after ``events``
    events: List[Any] = field(default_factory=list)
    states: List[Dict[Text, Any]] = field(default_factory=list)
    last_ml_action: Any = None
    hidden: bool = False


def _copy_state(state: Dict[Text, Any]) -> Dict[Text, Any]:
    """A copy callers may edit: Rasa's featurizers delete keys of the user sub-state (text or intent) and nothing
    else, so the other sub-states (the slots: every slot of the domain) are shared, not copied."""
    from rasa.shared.core.constants import USER

    copied = dict(state)
    user = copied.get(USER)
    if isinstance(user, dict):
        copied[USER] = dict(user)
    return copied


def _step(domain: Any, replay: _Replay, hide_rule_turn: bool, options: Tuple[bool, bool, Any]) -> None:
    """One turn of Rasa's ``states_for_tracker_history`` loop, on ``replay.tracker`` (same code, same order)."""
    from rasa.shared.core.constants import PREVIOUS_ACTION

    omit_unset_slots, ignore_rule_only_turns, rule_only_data = options
    tr, states = replay.tracker, replay.states
    if ignore_rule_only_turns:
        if not replay.hidden:
            replay.last_ml_action = domain._get_prev_action_sub_state(tr)
        if not tr.followup_action and tr.latest_action_name != tr.active_loop_name:
            replay.hidden = hide_rule_turn
        if replay.hidden:
            return
    state = domain.get_active_state(tr, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if replay.last_ml_action:
            state[PREVIOUS_ACTION] = replay.last_ml_action
    states.append(domain._clean_state(state))


def _make_states_for_tracker_history(original: Any) -> Any:
    from rasa.shared.core.events import ActionExecuted

    memo: "collections.OrderedDict[Tuple[Any, ...], _Replay]" = collections.OrderedDict()

    def states_for_tracker_history(
        self: Any,
        tracker: Any,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: Optional[Dict[Text, Any]] = None,
    ) -> List[Dict[Text, Any]]:
        if tracker.is_rule_tracker or not tracker.sender_id:
            return original(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)  # type: ignore[no-any-return]
        options = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        key = (tracker.sender_id, id(self), omit_unset_slots, ignore_rule_only_turns, id(rule_only_data))
        applied = tracker.applied_events()
        replay = memo.get(key)
        if (
            replay is None
            or len(replay.events) > len(applied)
            or any(a is not b for a, b in zip(replay.events, applied, strict=False))
        ):
            replay = _Replay(tracker.init_copy())
        for event in applied[len(replay.events) :]:
            if isinstance(event, ActionExecuted):
                _step(self, replay, event.hide_rule_turn, options)
            replay.tracker.update(event)
            replay.events.append(event)
        memo[key] = replay
        memo.move_to_end(key)
        while len(memo) > CACHED_CONVERSATIONS:
            memo.popitem(last=False)
        # The last state (after every event) is not kept: the next event may be an action, seen differently.
        done = len(replay.states)
        saved = (replay.last_ml_action, replay.hidden)
        _step(self, replay, False, options)
        states = [_copy_state(s) for s in replay.states]
        del replay.states[done:]
        replay.last_ml_action, replay.hidden = saved
        return states

    return states_for_tracker_history


# ---- 3. the rule policy's debug line formatted only when it is logged ------------------------------------------------
class _LazyStates:
    """What ``RulePolicy`` logs at debug level: every state of the conversation, formatted as text. Rasa formats it
    (and deep-copies it) on every prediction even when nothing is logged; this formats it when it is printed."""

    def __init__(self, states: List[Dict[Text, Any]], format_states: Any) -> None:
        self._states, self._format = states, format_states

    def __str__(self) -> str:
        return str(self._format(self._states))

    __repr__ = __str__

    def __deepcopy__(self, memo: Dict[int, Any]) -> "_LazyStates":
        return self


def _patch_rule_policy_log() -> None:
    from rasa.core.policies.policy import Policy
    from rasa.core.policies.rule_policy import RulePolicy

    original = Policy.format_tracker_states
    RulePolicy.format_tracker_states = staticmethod(  # type: ignore[method-assign]
        lambda states: _LazyStates(states, original)
    )


# ---- 4. the action server gets the recent events, not the whole session ----------------------------------------------
ACTION_EVENTS = 300  # about 30 turns: more than any action of ours looks back (actions/common.py, clarify, handoff)


def _make_action_call_format(original: Any) -> Any:
    def action_call_format(self: Any, tracker: Any, domain: Any) -> Any:
        if len(tracker.events) <= ACTION_EVENTS:
            return original(self, tracker, domain)
        from rasa.shared.core.trackers import EventVerbosity

        stock_current_state = tracker.current_state

        def recent_state(*_args: Any, **_kwargs: Any) -> Dict[Text, Any]:
            state: Dict[Text, Any] = stock_current_state(EventVerbosity.NONE)
            start = len(tracker.events) - ACTION_EVENTS
            state["events"] = [event.as_dict() for event in itertools.islice(tracker.events, start, None)]
            return state

        tracker.current_state = recent_state  # this call only
        try:
            return original(self, tracker, domain)
        finally:
            del tracker.current_state

    return action_call_format


# ---- 5. applied events extended, not recomputed --------------------------------------------------------------------
def _make_applied_events(original: Any) -> Any:
    """``DialogueStateTracker.applied_events`` walks every event of the session, several times per turn. The result is
    remembered on the tracker with the events it was computed from; when only plain events were appended since (no
    loop, revert, restart or session start, no action of a loop), they are appended to it, exactly as Rasa's walk
    would. Anything else is computed by Rasa's own code."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        ActiveLoop,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
    )

    special = (ActiveLoop, Restarted, SessionStarted, ActionReverted, UserUtteranceReverted)

    def applied_events(self: Any) -> List[Any]:
        events = self.events
        count = len(events)
        kept = self.__dict__.get("_xaso_applied")
        if kept is not None and kept[0] is events and kept[1] <= count and count:
            seen, before_last, loops, applied = kept[1], kept[2], kept[3], kept[4]
            if seen == 0 or events[seen - 1] is before_last:
                fresh = list(itertools.islice(events, seen, count))
                plain = not any(
                    isinstance(e, special) or (isinstance(e, ActionExecuted) and e.action_name in loops) for e in fresh
                )
                if plain:
                    applied = applied + fresh
                    self.__dict__["_xaso_applied"] = (events, count, events[-1], loops, applied)
                    return list(applied)
        applied = original(self)
        loops = {e.name for e in events if isinstance(e, ActiveLoop) and e.name}
        self.__dict__["_xaso_applied"] = (events, count, events[-1] if count else None, loops, applied)
        return list(applied)

    return applied_events


def apply() -> None:
    """Install all five (idempotent)."""
    global _applied
    if _applied:
        return
    from rasa.shared.core.domain import Domain

    _patch_rule_policy_log()
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.trackers import DialogueStateTracker

    DialogueStateTracker.applied_events = _make_applied_events(  # type: ignore[method-assign]
        DialogueStateTracker.applied_events
    )
    RemoteAction._action_call_format = _make_action_call_format(  # type: ignore[method-assign]
        RemoteAction._action_call_format
    )

    _patch_tracker_store(TrackerCache(os.environ.get("XASO_TRACKER_CACHE_REDIS") or None))
    Domain.states_for_tracker_history = _make_states_for_tracker_history(  # type: ignore[method-assign]
        Domain.states_for_tracker_history
    )
    _applied = True
