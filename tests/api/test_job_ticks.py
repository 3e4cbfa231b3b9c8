"""Periodic jobs run once per tick however many gateway processes race for it (threads stand in for processes),
on SQLite and PostgreSQL; a run that ends frees the tick's lease, a process killed mid-run blocks it only until the
lease ends."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from api.db import make_engine, make_sessionmaker, transaction, utcnow
from api.infra.models import JobTick
from api.infra.ticks import claim_tick, finish_tick


def _race(factory: sessionmaker[Session], name: str, contenders: int = 6) -> list[bool]:
    results: list[bool] = []
    barrier = threading.Barrier(contenders)

    def contender() -> None:
        barrier.wait()
        owned, _due = claim_tick(factory, name, interval=60.0, lease=30.0)
        results.append(owned)

    threads = [threading.Thread(target=contender) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_each_tick_runs_once(database_url: str) -> None:
    engine = make_engine(database_url)
    factory = make_sessionmaker(engine)
    try:
        assert sorted(_race(factory, "cases-overdue")) == [False] * 5 + [True]
        finish_tick(factory, "cases-overdue")
        assert _race(factory, "cases-overdue") == [False] * 6  # the next tick is not due for a minute
        with transaction(factory) as session:  # a minute passes
            session.execute(update(JobTick).values(next_run_at=utcnow() - timedelta(seconds=1)))
        assert sorted(_race(factory, "cases-overdue")) == [False] * 5 + [True]
    finally:
        engine.dispose()


def test_a_run_in_progress_blocks_the_next_tick_until_its_lease_ends(database_url: str) -> None:
    engine = make_engine(database_url)
    factory = make_sessionmaker(engine)
    try:
        owned, _ = claim_tick(factory, "broadcast-synthesis", interval=1.0, lease=600.0)
        assert owned
        with transaction(factory) as session:  # the interval passed, but the run (lease) has not ended
            session.execute(update(JobTick).values(next_run_at=utcnow() - timedelta(seconds=1)))
        assert claim_tick(factory, "broadcast-synthesis", interval=1.0, lease=600.0)[0] is False
        with transaction(factory) as session:  # the process died: its lease runs out
            session.execute(update(JobTick).values(lease_until=utcnow() - timedelta(seconds=1)))
        assert claim_tick(factory, "broadcast-synthesis", interval=1.0, lease=600.0)[0] is True
    finally:
        engine.dispose()
