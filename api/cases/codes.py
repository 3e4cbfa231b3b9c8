"""Human-readable case codes, one sequence per commune and year: PA-2026-000123."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.cases.models import CaseCounter

CODE_PREFIX = "PA"


def format_code(year: int, number: int) -> str:
    return f"{CODE_PREFIX}-{year}-{number:06d}"


def next_code(session: Session, *, commune_id: int, year: int) -> str:
    """Atomically take the next number (an UPDATE … RETURNING row lock serialises concurrent creators)."""
    for _ in range(3):
        value = session.scalar(
            update(CaseCounter)
            .where(CaseCounter.commune_id == commune_id, CaseCounter.year == year)
            .values(last_value=CaseCounter.last_value + 1)
            .returning(CaseCounter.last_value)
        )
        if value is not None:
            return format_code(year, value)
        try:
            with session.begin_nested():
                session.add(CaseCounter(commune_id=commune_id, year=year, last_value=1))
            return format_code(year, 1)
        except IntegrityError:
            continue  # another transaction created this year's counter first: take a number from it
    raise RuntimeError("could not allocate a case code")  # pragma: no cover - needs three lost races in a row


def current_value(session: Session, *, commune_id: int, year: int) -> int:
    return (
        session.scalar(
            select(CaseCounter.last_value).where(CaseCounter.commune_id == commune_id, CaseCounter.year == year)
        )
        or 0
    )
