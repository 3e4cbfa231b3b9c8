"""bot/cluster.py on Rasa's own REST channel: a turn that lost its conversation's lock answers 409 (the gateway keeps
the message and runs it again) instead of Rasa's "200, no replies", which would mark it answered with nothing said;
a turn that got the lock answers as usual."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlparse

import aiohttp
import pytest
from rasa.core.channels.rest import RestInput
from rasa.core.lock_store import LockError
from sanic import Sanic

from bot import cluster, reading


class LockStore:
    @contextlib.asynccontextmanager
    async def lock(self, conversation_id: str) -> AsyncIterator[None]:
        if conversation_id.endswith(":lost"):  # Rasa's error when every ticket lapsed while this turn waited
            raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
        yield


class TrackerStore:
    async def retrieve(self, conversation_id: str) -> None:
        return None  # a new conversation: nothing to answer again


class Processor:
    tracker_store = TrackerStore()

    async def handle_message(self, message: Any) -> list[dict[str, Any]]:
        reading.keep_tracker(message, _logged(message))  # as the patched _handle_message_with_tracker does
        await message.output_channel.send_text_message(message.sender_id, "Dạ")
        if message.sender_id.endswith(":actions-down"):  # a custom action found the action server gone, mid-turn
            raise cluster.ActionServerUnreachable("Failed to execute custom action 'action_submit_report'.")
        if message.sender_id.endswith(":store-down"):  # the tracker store's PostgreSQL restarting, mid-turn
            raise ConnectionError("server closed the connection unexpectedly")
        return list(message.output_channel.messages)


def _logged(message: Any) -> Any:
    """A tracker with the user's message logged, as Rasa's processor leaves it before predicting."""
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    parse = {
        "text": message.text, "intent": {"name": "greet", "confidence": 0.42},
        "intent_ranking": [{"name": "greet", "confidence": 0.42}, {"name": "thank", "confidence": 0.3}],
        "entities": [], "metadata": message.metadata,
    }  # fmt: skip
    tracker = DialogueStateTracker(message.sender_id, slots=[])
    tracker.update(UserUttered(message.text, parse["intent"], [], parse, metadata=message.metadata))
    return tracker


class Agent:
    processor = Processor()
    lock_store = LockStore()

    def is_ready(self) -> bool:
        return True


async def _not_ready(agent: Any, message: Any) -> None:
    raise AssertionError("the agent is ready: the turn runs under the lock")


async def _post_both() -> list[tuple[int, Any]]:
    """One Sanic app (Sanic allows one per process in tests), one turn that lost its lock and one that did not."""
    handle = cluster._make_handle_message(_not_ready)
    agent = Agent()
    app = Sanic("xaso_cluster_test")

    async def on_new_message(message: Any) -> Any:
        return await handle(agent, message)

    app.blueprint(RestInput().blueprint(on_new_message), url_prefix="/webhooks/rest")
    cluster.answer_conflict(app)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    answers = []
    try:
        async with aiohttp.ClientSession() as client:
            for sender, params in (
                ("zalo:xa-demo:lost", {"parse": "true"}),
                ("zalo:xa-demo:actions-down", {"parse": "true"}),
                ("zalo:xa-demo:store-down", {}),
                ("zalo:xa-demo:1", {}),
                ("zalo:xa-demo:1", {"parse": "true"}),
            ):
                url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
                body = {"sender": sender, "message": "xin chào", "metadata": {"turn_id": "inbox-1"}}
                async with client.post(url, json=body, params=params) as response:
                    answers.append((response.status, await response.json()))
    finally:
        server.close()
        await server.wait_closed()
    return answers


def test_a_turn_that_lost_its_lock_or_failed_answers_an_error_and_the_next_turn_answers_as_usual() -> None:
    lost, actions_down, store_down, held, read = asyncio.run(_post_both())
    assert lost == (409, {"error": "conversation_locked"})
    # Not "200" with what was said before the failure: the gateway keeps the message and runs the turn again, whole.
    assert actions_down == (500, {"error": "action_server_unreachable"})
    assert store_down == (500, {"error": "turn_failed"})
    assert held == (200, [{"recipient_id": "zalo:xa-demo:1", "text": "Dạ"}])  # Rasa's own reply when not asked
    # Asked (?parse=true): the replies with the turn's reading, as the tracker's latest_message (bot/reading.py).
    assert read == (200, {
        "messages": [{"recipient_id": "zalo:xa-demo:1", "text": "Dạ"}],
        "parse": {"text": "xin chào", "intent": {"name": "greet", "confidence": 0.42}, "entities": [],
                  "intent_ranking": [{"name": "greet", "confidence": 0.42}, {"name": "thank", "confidence": 0.3}]},
    })  # fmt: skip


def test_a_custom_action_without_its_server_stops_the_turn() -> None:
    """Stock Rasa catches the failure, drops the action's events and goes on (a form ends without its case filed)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    cluster.stop_turn_when_actions_unreachable()
    with socket.socket() as probe:  # a port nobody listens on: the action server is down
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    action = RemoteAction("action_submit_report", EndpointConfig(url=f"http://127.0.0.1:{port}/webhook"))
    tracker = DialogueStateTracker("zalo:xa-demo:1", slots=[])
    with pytest.raises(cluster.ActionServerUnreachable):
        asyncio.run(action.run(CollectingOutputChannel(), None, tracker, Domain.empty()))  # type: ignore[arg-type]


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL")
def test_two_replicas_changing_one_conversations_lock_never_lose_or_share_a_ticket() -> None:
    """Eight threads stand in for turns on two replicas (two lock stores on one Redis), all on one conversation: each
    takes a ticket, checks it is in the lock and its own, and finishes it. Rasa's read-modify-write loses tickets or
    hands one number to two turns here; serialised, never."""
    from rasa.core.lock_store import RedisLockStore

    cluster.apply_lock_serialisation()
    url = urlparse(os.environ["TEST_REDIS_URL"])
    stores = [
        RedisLockStore(host=url.hostname or "127.0.0.1", port=url.port or 6379, db=int(url.path.strip("/") or 0))
        for _ in range(2)
    ]
    conversation = f"zalo:xa-demo:locktest{os.getpid()}"
    held: set[int] = set()
    guard = threading.Lock()
    anomalies: list[str] = []

    def turns(store: RedisLockStore) -> None:
        for _ in range(150):
            ticket = store.issue_ticket(conversation, 60)
            with guard:
                if ticket in held:
                    anomalies.append(f"ticket {ticket} handed out twice")
                held.add(ticket)
            lock = store.get_lock(conversation)
            if lock is None or ticket not in [t.number for t in lock.tickets]:
                anomalies.append(f"ticket {ticket} lost")
            with guard:
                held.discard(ticket)
            store.cleanup(conversation, ticket)

    threads = [threading.Thread(target=turns, args=(stores[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert anomalies == []
    assert stores[0].get_lock(conversation) is None  # the last one out deleted the lock
