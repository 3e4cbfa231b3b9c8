"""Rasa turns that survive a dying caller or replica: each turn runs once, even when the gateway asks twice.

The gateway sends every turn with ``metadata.turn_id`` (its inbox id, stable across retries). Two things can make it
ask again for a turn Rasa already ran: the gateway process died before storing the answer, or the request reached a
replica whose answer never came back. Rasa would then run the turn a second time (actions and all, a case filed
twice). Here, under the conversation's lock (Rasa's lock store, shared by the replicas through Redis):

1. If the conversation's latest user message carries the same ``turn_id``, the bot's replies to it are sent again
   from the tracker, and nothing runs.
2. A turn, once started, finishes and is saved even when the caller hangs up (Sanic cancels the request's task when
   the connection drops), so the retry finds it rather than half of it.
3. Rasa's Redis lock store changes a conversation's lock by read-modify-write (issue a ticket, drop expired ones,
   finish one and delete the lock when nobody waits). Two replicas touching one conversation (a turn moved over while
   the old one still runs) could overwrite each other's tickets or delete a lock a waiter had just joined, and that
   waiter then failed. Each change now holds a short Redis mutex per conversation (``apply_lock_serialisation``).
4. A turn that could not get the conversation's lock (its ticket lapsed while it waited behind a turn that took
   longer than the lock lifetime) answers 409 instead of Rasa's "200, no replies": the gateway keeps the message and
   runs it again later, rather than marking it answered with nothing said.
5. A turn whose custom action cannot reach the action server (down, or being restarted by the supervisor) stops
   there, unsaved, and answers 500: the gateway keeps the message and runs it again later, whole. Stock Rasa logs the
   error, drops the action's events and answers "200" with what was said before it, so a report's form would end
   without its case filed and the message would count as answered. Any other failure of a turn (the tracker store's
   PostgreSQL or the lock store's Redis restarting) answers 500 too, for the same reason.

``apply()`` runs in the Rasa server process only (``python -m bot.server``).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from typing import Any, Dict, List, Optional, Set, Text

from bot import reading

logger = logging.getLogger(__name__)
_applied = False
_running: Set["asyncio.Task[Any]"] = set()
# Set in the request's own context when its turn lost the lock race; the response middleware turns the reply into 409.
_lock_lost: contextvars.ContextVar[bool] = contextvars.ContextVar("xaso_lock_lost", default=False)
LOCK_LOST_STATUS = 409
# Set when the turn failed (the action server could not be reached, the tracker or lock store failed mid-turn): the
# response middleware answers 500 with this code instead of the REST channel's "200" with what was said before.
_failed: contextvars.ContextVar[str] = contextvars.ContextVar("xaso_turn_failed", default="")
FAILED_STATUS = 500  # not 502-504: the replica is fine, and the gateway must not mark it down for this


class ActionServerUnreachable(BaseException):
    """Raised through Rasa's processor, which catches every ``Exception`` an action raises and goes on without its
    events; a BaseException ends the turn before it is saved (caught again in ``handle_message`` below)."""


def _unreachable(exc: BaseException) -> bool:
    """Whether a failed custom action failed for want of the action server (not an error of the action itself)."""
    import aiohttp

    seen = exc.__cause__ or exc.__context__
    while seen is not None:
        if isinstance(seen, (aiohttp.ClientConnectionError, ConnectionError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def stop_turn_when_actions_unreachable() -> None:
    """Install on Rasa's RemoteAction (idempotent)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.exceptions import RasaException

    if getattr(RemoteAction, "_xaso_stops_turn", False):
        return
    original = RemoteAction.run

    async def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await original(self, *args, **kwargs)
        except RasaException as exc:
            if _unreachable(exc):
                raise ActionServerUnreachable(str(exc)) from exc
            raise

    RemoteAction.run = run  # type: ignore[method-assign]
    RemoteAction._xaso_stops_turn = True  # type: ignore[attr-defined]


def _replies_to(tracker: Any, turn_id: Text) -> Optional[List[Any]]:
    """The bot's answers to the latest user message if it is ``turn_id``; None if it is another message."""
    from rasa.shared.core.events import BotUttered, UserUttered

    answers: List[Any] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            metadata = event.metadata or {}
            if metadata.get("turn_id") != turn_id:
                return None
            answers.reverse()
            return answers
        if isinstance(event, BotUttered):
            answers.append(event)
    return None


async def _answer_again(processor: Any, message: Any) -> Optional[List[Dict[Text, Any]]]:
    """Re-send the stored replies when this turn already ran; None when it must run now."""
    from rasa.core.channels.channel import CollectingOutputChannel

    turn_id = (message.metadata or {}).get("turn_id")
    if not turn_id or not isinstance(message.output_channel, CollectingOutputChannel):
        return None
    tracker = await processor.tracker_store.retrieve(message.sender_id)
    if tracker is None:
        return None
    answers = _replies_to(tracker, str(turn_id))
    if answers is None:
        return None
    for bot in answers:
        await message.output_channel.send_response(message.sender_id, bot.message())
    reading.keep_tracker(message, tracker)  # its latest message is this turn's: the reading goes back too
    return list(message.output_channel.messages)


def _finished(task: "asyncio.Task[Any]") -> None:
    """Forget the turn; a failure is logged here too, since its caller may have gone (the gateway retries it)."""
    _running.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.warning("a turn failed: %r", task.exception())  # retrieved: no "never retrieved" noise


def _make_handle_message(original: Any) -> Any:
    from rasa.core.lock_store import LockError

    async def handle_message(self: Any, message: Any) -> Optional[List[Dict[Text, Any]]]:
        if not self.is_ready():
            return await original(self, message)

        async def locked_turn() -> Optional[List[Dict[Text, Any]]]:
            async with self.lock_store.lock(message.sender_id):
                again = await _answer_again(self.processor, message)
                if again is not None:
                    return again
                return await self.processor.handle_message(message)

        reading.clear()
        task = asyncio.ensure_future(locked_turn())
        _running.add(task)
        task.add_done_callback(_finished)
        try:
            replies = await asyncio.shield(task)  # the caller may go; the turn finishes and is saved
            reading.remember(message)  # how the turn read the message, for the reply (bot/reading.py)
            return replies
        except LockError:
            _lock_lost.set(True)  # Rasa's REST channel would answer 200 with no replies: see answer_conflict
            raise
        except ActionServerUnreachable as exc:  # the turn was not saved: the gateway runs it again, whole
            _failed.set("action_server_unreachable")
            raise RuntimeError(f"action server unreachable: {exc}") from None
        except Exception:  # e.g. PostgreSQL or Redis restarting mid-turn: not saved, or saved and answered again
            _failed.set("turn_failed")
            raise

    return handle_message


def answer_conflict(app: Any) -> None:
    """A response middleware: a turn that lost its lock answers 409, one that found the action server down 500
    (nothing saved either way; the gateway retries it); an answered turn carries its reading when asked
    (bot/reading.py; one middleware, since Sanic stops at the first that returns a response)."""
    from sanic.response import json

    @app.middleware("response")
    async def _lock_lost_is_a_conflict(request: Any, response: Any) -> Any:
        if _lock_lost.get():
            _lock_lost.set(False)
            return json({"error": "conversation_locked"}, status=LOCK_LOST_STATUS)
        failed = _failed.get()
        if failed:
            _failed.set("")
            return json({"error": failed}, status=FAILED_STATUS)
        return reading.envelope(request, response)


MUTEX_SECONDS = 5.0  # a replica killed while holding it frees it after this long


def apply_lock_serialisation() -> None:
    """Install the per-conversation mutex on Rasa's Redis lock store (idempotent)."""
    from rasa.core.lock_store import RedisLockStore

    if getattr(RedisLockStore, "_xaso_serialised", False):
        return
    _serialise_lock_changes()
    RedisLockStore._xaso_serialised = True  # type: ignore[attr-defined]


def _serialise_lock_changes() -> None:
    from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
    from redis.exceptions import LockError as MutexError

    @contextlib.contextmanager
    def mutex(store: Any, conversation_id: Text) -> Any:
        """Held for a few Redis round trips. Not got within MUTEX_SECONDS (or lost meanwhile): Rasa's LockError, so
        the turn answers 409 and is run again, never "200, no replies"."""
        name = f"{store.key_prefix}{conversation_id}:mutex"
        try:
            with store.red.lock(name, timeout=MUTEX_SECONDS, blocking_timeout=MUTEX_SECONDS, sleep=0.002):
                yield
        except MutexError as exc:
            raise LockError(f"Could not change the lock of conversation '{conversation_id}': {exc}") from exc

    issue_ticket, update_lock = RedisLockStore.issue_ticket, RedisLockStore.update_lock

    def issue(self: Any, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with mutex(self, conversation_id):
            ticket: int = issue_ticket(self, conversation_id, lock_lifetime)
            return ticket

    def update(self: Any, conversation_id: Text) -> None:
        with mutex(self, conversation_id):
            update_lock(self, conversation_id)

    def cleanup(self: Any, conversation_id: Text, ticket_number: int) -> None:
        """Finish the ticket and delete the lock if nobody waits, in one step (Rasa's are two)."""
        with mutex(self, conversation_id):
            lock = self.get_lock(conversation_id)
            if lock is None:
                return
            lock.remove_ticket_for(ticket_number)
            if lock.is_someone_waiting():
                self.save_lock(lock)
            else:
                self.delete_lock(conversation_id)

    RedisLockStore.issue_ticket = issue  # type: ignore[method-assign]
    RedisLockStore.update_lock = update  # type: ignore[method-assign]
    RedisLockStore.cleanup = cleanup  # type: ignore[method-assign]


def _answer_conflicts() -> None:
    import rasa.core.run

    original = rasa.core.run.configure_app

    def configure_app(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)
        answer_conflict(app)
        return app

    rasa.core.run.configure_app = configure_app


def apply() -> None:
    """Install (idempotent)."""
    global _applied
    if _applied:
        return
    from rasa.core.agent import Agent

    Agent.handle_message = _make_handle_message(Agent.handle_message)  # type: ignore[method-assign]
    stop_turn_when_actions_unreachable()
    apply_lock_serialisation()
    _answer_conflicts()
    reading.apply()
    _applied = True
