"""Write transactions for the channel hot paths.

On SQLite every writer takes one database-wide lock, and waiters poll it with growing sleeps: under dozens of
concurrent conversations some requests starve for seconds. Queueing our own writers on an in-process lock first
makes the wait short and fair; PostgreSQL needs no such thing and gets a plain transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from api.db import transaction

_locks: dict[int, threading.Lock] = {}
_guard = threading.Lock()


def _lock_for(factory: sessionmaker[Session]) -> threading.Lock | None:
    bind = factory.kw.get("bind")
    if bind is None or bind.dialect.name != "sqlite":
        return None
    with _guard:
        return _locks.setdefault(id(bind), threading.Lock())


@contextmanager
def write_transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    lock = _lock_for(factory)
    if lock is None:
        with transaction(factory) as session:
            yield session
        return
    with lock, transaction(factory) as session:
        yield session
