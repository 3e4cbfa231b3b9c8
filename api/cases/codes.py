"""Human-readable case codes, one sequence per commune and year: PA-2026-000123."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.cases.models import CaseCounter

CODE_PREFIX = "PA"
_counters = cast(Table, CaseCounter.__table__)
# Core statements built once (the bot's hot path); bind names differ from the columns the UPDATE sets.
_TAKE = (
    update(_counters)
    .where(_counters.c.commune_id == bindparam("for_commune"), _counters.c.year == bindparam("for_year"))
    .values(last_value=_counters.c.last_value + 1)
    .returning(_counters.c.last_value)
)
_START = insert(_counters)


def format_code(year: int, number: int) -> str:
    return f"{CODE_PREFIX}-{year}-{number:06d}"


def next_code(session: Session, *, commune_id: int, year: int) -> str:
    """Atomically take the next number (an UPDATE … RETURNING row lock serialises concurrent creators)."""
    connection = session.connection()
    for _ in range(3):
        value = connection.execute(_TAKE, {"for_commune": commune_id, "for_year": year}).scalar()
        if value is not None:
            return format_code(year, value)
        try:
            with connection.begin_nested():  # the connection's own savepoint: the session holds no objects here
                connection.execute(_START, {"commune_id": commune_id, "year": year, "last_value": 1})
            return format_code(year, 1)
        except IntegrityError:
            continue  # another transaction created this year's counter first: take a number from it
    raise RuntimeError("could not allocate a case code")  # pragma: no cover - needs three lost races in a row
