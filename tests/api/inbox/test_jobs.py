"""A web message answered inside its own request holds the inbox's 20 s lease, renewed while its turn runs: a live
request keeps a slow turn, and a killed worker's message is taken over when the lease lapses (docs/scaling.md)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.communes.models import Commune
from api.db import utcnow
from api.inbox import jobs
from api.inbox import service as inbox
from api.inbox_events.models import InboxEvent
from api.infra.leasing import as_utc


def _web_message(app: FastAPI, event_id: str) -> int:
    factory = app.state.sessionmaker
    with factory() as session:
        commune_id = session.scalar(select(Commune.id).where(Commune.slug == "xa-demo"))
    assert commune_id is not None
    stored = inbox.store_event(
        factory,
        commune_id=commune_id,
        channel="web",
        event_id=event_id,
        conversation_id=f"web:xa-demo:{event_id}",
        raw=json.dumps({"sender": event_id, "message": "chào"}),
        claim_now=True,
    )
    assert stored.status == "processing"
    return stored.id


def _lease(app: FastAPI, event_id: int) -> float:
    """Seconds left on the row's lease."""
    with app.state.sessionmaker() as session:
        row = session.get(InboxEvent, event_id)
        assert row is not None and row.lease_until is not None
        lease = as_utc(row.lease_until)
        assert lease is not None
        return (lease - utcnow()).total_seconds()


def test_a_request_answering_its_message_holds_the_inbox_lease_and_renews_it(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    event_id = _web_message(app, "lease-1")
    assert 15 < _lease(app, event_id) <= inbox.WORKER_LEASE_SECONDS  # taken over within 20 s if this worker dies
    monkeypatch.setattr(jobs, "RENEW_EVERY", 0.05)
    with app.state.sessionmaker.begin() as session:  # as if 19 s of the turn had passed
        row = session.get(InboxEvent, event_id)
        assert row is not None
        row.lease_until = utcnow() + timedelta(seconds=1)

    async def slow_turn() -> None:
        async with jobs.keep_leased(app.state.sessionmaker, event_id):
            await asyncio.sleep(0.5)

    asyncio.run(slow_turn())
    assert _lease(app, event_id) > 15  # renewed: the live request keeps its message
    # Once the block ends, nothing renews it any more (the request finishes the row itself, or is dead).
    with app.state.sessionmaker.begin() as session:
        row = session.get(InboxEvent, event_id)
        assert row is not None
        row.lease_until = utcnow() - timedelta(seconds=1)
    assert inbox.claim_due(app.state.sessionmaker, limit=10) == [event_id]  # lapsed: another worker takes it
