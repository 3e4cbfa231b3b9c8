"""A consultation filed from the chat gets its remote appointment in the same transaction.

The appointment is the appointments domain's (api/appointments/flows.py); cases ask through this Protocol, registered
when the app is built (api/routers.py), so cases never import appointments.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from api.cases.creation import CommuneRef, CreatedCase
from api.cases.schemas import AppointmentBrief
from api.communes.worktime import WorkCalendar


class ConsultationBooking(Protocol):
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
        """Book the consultation's appointment at the wished time (or pending for staff); what the bot tells."""
        ...

    def brief_for_case(self, session: Session, *, case_id: int, calendar: WorkCalendar) -> AppointmentBrief | None:
        """The appointment a case already has, as the bot tells it (a turn run again)."""
        ...
