"""Periodic jobs that must run once per tick across every gateway process (SLA flags, feeds, audio, digest).

Why database leases and not a Redis lock: the jobs' whole effect is database writes, so the claim lives next to what
it protects, needs nothing beyond the database every deployment already has (the embedded SQLite default included),
and survives a Redis restart. A claim is one conditional UPDATE: the process that moves ``next_run_at`` forward owns
the tick; the others see the row already moved and wait for the next one. A lease bounds a run, so a process killed
mid-run delays the job by at most the lease, never forever; a run that ends releases the lease at once.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.db import utcnow
from api.infra.leasing import as_utc
from api.infra.models import JobTick
from api.infra.writes import write_transaction

HOLDER = f"{os.uname().nodename}:{os.getpid()}"


def _ensure_row(factory: sessionmaker[Session], name: str) -> None:
    with factory() as session:
        if session.get(JobTick, name) is not None:
            return
    try:
        with write_transaction(factory) as session:
            session.add(JobTick(name=name, next_run_at=utcnow(), holder=""))
    except IntegrityError:  # another process created it first
        pass


def claim_tick(factory: sessionmaker[Session], name: str, *, interval: float, lease: float) -> tuple[bool, datetime]:
    """Try to own this tick of job ``name``; returns (owned, when the next tick is due)."""
    _ensure_row(factory, name)
    now = utcnow()
    with write_transaction(factory) as session:
        result = session.execute(
            update(JobTick)
            .where(
                JobTick.name == name,
                JobTick.next_run_at <= now,
                or_(JobTick.lease_until.is_(None), JobTick.lease_until <= now),
            )
            .values(
                next_run_at=now + timedelta(seconds=interval),
                lease_until=now + timedelta(seconds=lease),
                holder=HOLDER,
                last_started_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        owned = getattr(result, "rowcount", 0) == 1
        row = session.execute(select(JobTick.next_run_at, JobTick.lease_until).where(JobTick.name == name)).one()
    due = as_utc(row.next_run_at) or now
    lease_end = as_utc(row.lease_until)
    if lease_end is not None and lease_end > due:
        due = lease_end
    return owned, due


def finish_tick(factory: sessionmaker[Session], name: str) -> None:
    with write_transaction(factory) as session:
        session.execute(
            update(JobTick)
            .where(JobTick.name == name, JobTick.holder == HOLDER)
            .values(lease_until=None, last_finished_at=utcnow())
            .execution_options(synchronize_session=False)
        )
