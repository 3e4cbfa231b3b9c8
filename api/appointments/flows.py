"""A consultation filed from the chat gets its appointment in the same transaction (api/cases/internal_routes.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from api.appointments import service, texts
from api.appointments.models import CONFIRMED, Appointment
from api.cases.creation import CommuneRef, CreatedCase
from api.cases.schemas import AppointmentBrief
from api.communes.worktime import WorkCalendar

# The action server's description of a consultation names the wished time on its own line (actions/health.py).
_WISHED = re.compile(r"^Thời gian mong muốn:\s*(.+)$", re.MULTILINE)


def requested_time(consult_time: str | None, description: str) -> str | None:
    if consult_time and consult_time.strip():
        return consult_time.strip()
    found = _WISHED.search(description or "")
    return found.group(1).strip() if found else None


def book_for_case(
    session: Session, *, case: CreatedCase, commune: CommuneRef, requested: str | None, base_url: str, now: datetime
) -> Appointment:
    return service.book(
        session, case_id=case.id, commune_id=commune.id, commune_slug=commune.slug, calendar=commune.calendar,
        conversation_id=case.conversation_id, requested_text=requested, base_url=base_url, now=now,
    )  # fmt: skip


def brief(appointment: Appointment | None, calendar: WorkCalendar) -> AppointmentBrief | None:
    if appointment is None:
        return None
    confirmed = appointment.status == CONFIRMED and appointment.starts_at is not None
    return AppointmentBrief(
        status=appointment.status,
        status_label=appointment.status_label,
        starts_at=appointment.starts_at.astimezone(UTC) if appointment.starts_at else None,
        when_text=texts.when_words(appointment.starts_at, calendar) if appointment.starts_at else None,
        video_url=appointment.video_url if confirmed else None,
    )


class CaseBooking:
    """The appointments' side of api/cases/booking.py's ConsultationBooking (registered by api/routers.py)."""

    def book(
        self,
        session: Session,
        *,
        case: CreatedCase,
        commune: CommuneRef,
        consult_time: str | None,
        description: str,
        base_url: str,
        now: datetime,
    ) -> AppointmentBrief | None:
        # The wished time is not health text: read from what was sent, even when the description is withheld.
        requested = requested_time(consult_time, description)
        booked = book_for_case(session, case=case, commune=commune, now=now, requested=requested, base_url=base_url)
        return brief(booked, commune.calendar)

    def brief_for_case(self, session: Session, *, case_id: int, calendar: WorkCalendar) -> AppointmentBrief | None:
        return brief(service.for_case(session, case_id=case_id), calendar)
