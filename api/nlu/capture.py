"""Keep the turns Rasa was unsure of for the review inbox, after the citizen has been answered.

Rasa's REST channel returns only the replies, so how it read the message (intent, confidence, entities) comes from
its tracker: one GET per turn, run as a background task once the turn is stored, so no citizen waits for it. Turns
of a conversation run one at a time, and the tracker's latest message is checked against the text sent, so a
reading is never stored against the wrong message.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from typing import Any, Protocol

import httpx
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.errors import UpstreamUnavailable
from api.infra.writes import write_transaction
from api.nlu import review
from api.nlu.models import Reason

log = logging.getLogger(__name__)


def _same(a: str, b: str) -> bool:
    return unicodedata.normalize("NFC", a).strip() == unicodedata.normalize("NFC", b).strip()


class ConsentCheck(Protocol):
    """Whether the citizen's words may be kept for training (the privacy domain answers: api/privacy/service.py,
    registered as ``app.state.review_consent`` in api/routers.py; nlu never imports privacy)."""

    def __call__(self, session: Session, *, conversation_id: str) -> bool: ...


def _store(
    factory: sessionmaker[Session], *, commune_id: int, inbox_id: int, conversation_id: str, text: str,
    parse: dict[str, Any], reason: Reason, consent: ConsentCheck | None = None,
) -> None:  # fmt: skip
    with write_transaction(factory) as session:
        if consent is not None and not consent(session, conversation_id=conversation_id):
            return  # consent withdrawn ("rút lại đồng ý"): the words are not kept for review
        review.record(
            session, commune_id=commune_id, inbox_event_id=inbox_id, conversation_id=conversation_id,
            text=text, parse=parse, reason=reason,
        )  # fmt: skip


async def capture(app: FastAPI, *, commune_id: int, inbox_id: int, conversation_id: str, text: str) -> Reason | None:
    """Store the turn for review when Rasa fell back or was unsure; returns why it was kept (None: not kept)."""
    settings = app.state.settings
    try:
        parse = await app.state.rasa.latest_parse(conversation_id)
    except (UpstreamUnavailable, httpx.HTTPError) as exc:
        log.info("review inbox: no parse for %s (%s)", conversation_id, exc)
        return None
    if parse is None or not _same(str(parse.get("text") or ""), text):
        return None
    reason = review.reason_for(parse, threshold=settings.nlu_review_threshold)
    if reason is not None:
        await run_in_threadpool(
            _store, app.state.sessionmaker, commune_id=commune_id, inbox_id=inbox_id,
            conversation_id=conversation_id, text=text, parse=parse, reason=reason,
            consent=getattr(app.state, "review_consent", None),
        )  # fmt: skip
    return reason


def schedule(app: FastAPI, *, commune_id: int, inbox_id: int, conversation_id: str, text: str, kind: str) -> None:
    """After a Rasa turn: capture it in the background (typed text only; buttons carry their own intent)."""
    if not app.state.settings.nlu_review_capture or kind != "text" or not text.strip() or text.startswith("/"):
        return
    tasks: set[asyncio.Task[Any]] | None = getattr(app.state, "nlu_capture_tasks", None)
    if tasks is None:
        tasks = app.state.nlu_capture_tasks = set()
    task = asyncio.create_task(
        capture(app, commune_id=commune_id, inbox_id=inbox_id, conversation_id=conversation_id, text=text)
    )
    tasks.add(task)
    task.add_done_callback(_finished(tasks))


def _finished(tasks: set[asyncio.Task[Any]]) -> Any:
    def done(task: asyncio.Task[Any]) -> None:
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("review inbox capture failed: %r", task.exception())

    return done
