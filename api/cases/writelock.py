"""One writer at a time on SQLite, queued in-process.

SQLite allows a single writer; concurrent write transactions otherwise meet in SQLite's busy handler, which sleeps
and retries (up to 100 ms a step). Queueing them on a lock hands the database over as soon as each commits. On
PostgreSQL the lock is not taken: row locks let writers run concurrently.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy.orm import Session, sessionmaker

from api.db import transaction

_SQLITE_WRITER = threading.Lock()


@contextmanager
def write_transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    bind = factory.kw.get("bind")
    sqlite = bind is not None and bind.dialect.name == "sqlite"
    with _SQLITE_WRITER if sqlite else nullcontext(), transaction(factory) as session:
        yield session
