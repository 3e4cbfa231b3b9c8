"""Publishing a case: private by default; public only on purpose, with a staff-written summary and a hamlet-level
place (what Open311 and every other public surface may show; see api/open311/service.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.cases.models import Case
from api.cases.service import timeline
from api.errors import ValidationFailed
from api.infra.sanitize import redact
from api.staff.models import Staff

MAX_SUMMARY = 1000
MAX_PLACE = 200


def publish(case: Case, *, summary: str | None, place: str | None) -> None:
    case.public = True
    case.public_summary = (summary or "")[:MAX_SUMMARY] or None
    case.public_location = (place or "")[:MAX_PLACE] or None


def set_publication(
    session: Session, *, staff: Staff, case: Case, public: bool, summary: str | None, place: str | None
) -> Case:
    """Staff publish (with a summary written for the public) or withdraw a case; the timeline records it."""
    summary, place = (summary or "").strip() or None, (place or "").strip() or None
    if public and not summary:
        raise ValidationFailed(
            "Cần viết tóm tắt công khai (không ghi tên, số điện thoại của người dân) trước khi công khai.",
            code="public_summary_required",
            field="public_summary",
        )
    if public:
        publish(case, summary=summary, place=place)
        shown = redact(summary) or ""
        body = f"Công khai phản ánh: {shown}" + (f" — {redact(place)}" if place else "")
    else:
        case.public = False
        body = "Thôi công khai phản ánh."
    timeline(session, case, "publication", actor=staff, body=body, data={"public": public})
    session.flush()
    return case
