"""Staff commands on a case: assign, change status, note, public reply, merge; plus overdue flagging.

Each runs inside the request's single transaction and leaves one timeline entry (or more) behind.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.cases import casesync, notify
from api.cases.catalog import MAX_MESSAGE, NOTE_REQUIRED, OPEN_STATUSES, STATUS_LABELS, TRANSITIONS, Kind, Status
from api.cases.models import Case, TimelineEntry
from api.cases.service import get_case, timeline
from api.db import utcnow
from api.errors import Conflict, ValidationFailed
from api.mentions import service as mentions
from api.staff.models import Role, Staff
from api.staff.service import get_department, get_staff


def assign_case(
    session: Session,
    *,
    staff: Staff,
    case: Case,
    assignee_id: int | None,
    department_id: int | None,
    clear_assignee: bool = False,
) -> Case:
    if case.status not in OPEN_STATUSES:
        raise Conflict("Hồ sơ đã kết thúc, không thể phân công.", code="case_closed", field="status")
    if assignee_id is None and department_id is None and not clear_assignee:
        raise ValidationFailed("Cần chọn cán bộ hoặc bộ phận.", code="assignment_empty", field="assignee_id")
    changes: list[str] = []
    if department_id is not None:
        department = get_department(session, commune_id=case.commune_id, department_id=department_id)
        if department.id != case.department_id:
            case.department_id, case.department = department.id, department
            changes.append(f"bộ phận {department.name}")
    if assignee_id is not None:
        assignee = get_staff(session, commune_id=case.commune_id, staff_id=assignee_id, field="assignee_id")
        if not assignee.is_active or not assignee.can_write:
            raise ValidationFailed("Cán bộ này không thể nhận hồ sơ.", code="assignee_inactive", field="assignee_id")
        if case.kind == Kind.consultation and assignee.role not in (Role.health_worker, Role.admin):
            raise ValidationFailed(
                "Tư vấn y tế chỉ giao cho nhân viên y tế.", code="assignee_not_health_worker", field="assignee_id"
            )
        if assignee.id != case.assignee_id:
            case.assignee_id, case.assignee = assignee.id, assignee
            changes.append(f"cán bộ {assignee.full_name}")
    elif clear_assignee and case.assignee_id is not None:
        case.assignee_id, case.assignee = None, None
        changes.append("bỏ phân công cán bộ")
    if not changes:
        return case
    was_new = case.status == Status.new
    if was_new and case.assignee_id is not None:
        case.status = Status.assigned.value
    timeline(
        session,
        case,
        "assigned",
        actor=staff,
        body="Phân công: " + ", ".join(changes) + ".",
        data={"assignee_id": case.assignee_id, "department_id": case.department_id},
    )
    if was_new and case.status == Status.assigned:
        notify.notify_assigned(session, case=case)
    session.flush()
    return case


def change_status(session: Session, *, staff: Staff, case: Case, status: Status, note: str | None) -> Case:
    current = Status(case.status)
    note = (note or "").strip() or None
    if status == current:
        raise Conflict(f"Hồ sơ đang ở trạng thái '{STATUS_LABELS[current]}'.", code="status_unchanged", field="status")
    if status not in TRANSITIONS[current]:
        raise Conflict(
            f"Không thể chuyển từ '{STATUS_LABELS[current]}' sang '{STATUS_LABELS[status]}'.",
            code="invalid_transition",
            field="status",
        )
    if status in NOTE_REQUIRED and not note:
        raise ValidationFailed("Cần ghi kết quả/lý do gửi người dân.", code="note_required", field="note")
    if status == Status.assigned and case.assignee_id is None:
        raise ValidationFailed("Hãy phân công cán bộ trước.", code="assignee_required", field="assignee_id")
    if status == Status.duplicate:
        raise ValidationFailed("Dùng chức năng gộp hồ sơ trùng.", code="use_merge", field="status")
    now = utcnow()
    case.status = status.value
    if status == Status.resolved:
        case.resolved_at = now
    elif status == Status.closed:
        case.closed_at = now
    elif status == Status.in_progress and current in (Status.resolved, Status.rejected):
        case.resolved_at = None  # reopened: the resolution clock starts again
    timeline(
        session,
        case,
        "status_changed",
        actor=staff,
        body=note or "",
        is_public=status in NOTE_REQUIRED,
        data={"from": current.value, "to": status.value},
    )
    asked_before = case.rating_requested_at
    if status == Status.in_progress:
        notify.notify_in_progress(session, case=case)
    elif status == Status.resolved:
        notify.notify_resolved(session, case=case, note=note or "")
    elif status == Status.rejected:
        notify.notify_rejected(session, case=case, note=note or "")
    asked = case.rating_requested_at is not None and case.rating_requested_at != asked_before
    casesync.follow_case(session, case=case, rating_asked=asked)
    session.flush()
    return case


def add_note(session: Session, *, staff: Staff, case: Case, text: str) -> TimelineEntry:
    entry = timeline(session, case, "note", actor=staff, body=_text(text, "text"))
    session.flush()
    # "@login" notifies that officer
    mentions.record(
        session, commune_id=case.commune_id, case_id=case.id, entry_id=entry.id, author=staff, text=entry.body
    )
    return entry


def public_reply(session: Session, *, staff: Staff, case: Case, text: str) -> TimelineEntry:
    body = _text(text, "text")
    if not case.conversation_id:
        raise Conflict("Hồ sơ này không có kênh liên lạc với người dân.", code="no_channel", field="text")
    message = notify.send_public_reply(session, case=case, text=body, officer=staff.full_name)
    entry = timeline(session, case, "public_reply", actor=staff, body=body, is_public=True)
    casesync.staff_replied(session, conversation_id=case.conversation_id)
    entry.outbox_message_id = message.id if message else None
    session.flush()
    return entry


def set_chat(session: Session, *, staff: Staff, case: Case, enabled: bool) -> Case:
    if enabled and not case.conversation_id:
        raise Conflict("Hồ sơ này không có kênh liên lạc với người dân.", code="no_channel", field="enabled")
    if case.chat_enabled != enabled:
        case.chat_enabled = enabled
        body = "Cán bộ nhận trò chuyện trực tiếp." if enabled else "Trả hội thoại lại cho chatbot."
        timeline(session, case, "chat", actor=staff, body=body, data={"enabled": enabled})
        casesync.follow_case(session, case=case)
    session.flush()
    return case


def merge_case(session: Session, *, staff: Staff, case: Case, into_code: str) -> Case:
    target = get_case(session, staff=staff, code=into_code)
    if target.id == case.id:
        raise ValidationFailed("Không thể gộp hồ sơ vào chính nó.", code="merge_self", field="into")
    if target.status == Status.duplicate:
        raise Conflict("Hồ sơ đích cũng là hồ sơ trùng.", code="merge_target_duplicate", field="into")
    if Status.duplicate not in TRANSITIONS[Status(case.status)]:
        raise Conflict("Hồ sơ đã kết thúc, không thể gộp.", code="case_closed", field="status")
    previous = case.status
    case.status = Status.duplicate.value
    case.merged_into_id, case.merged_into = target.id, target
    case.closed_at = utcnow()
    timeline(
        session,
        case,
        "merged",
        actor=staff,
        body=f"Trùng với hồ sơ {target.code}.",
        data={"into": target.code, "from": previous},
    )
    timeline(
        session,
        target,
        "merged",
        actor=staff,
        body=f"Đã gộp hồ sơ trùng {case.code} vào hồ sơ này.",
        data={"merged": case.code},
    )
    notify.notify_duplicate(session, case=case, target=target)
    casesync.follow_case(session, case=case)
    session.flush()
    return case


def flag_overdue(session: Session, *, now: datetime | None = None) -> int:
    """Mark cases past their deadline (once each) and note it on their timeline; returns how many."""
    now = now or utcnow()
    open_values = [s.value for s in OPEN_STATUSES]
    ids = list(
        session.scalars(
            select(Case.id)
            .where(Case.status.in_(open_values), Case.due_at < now, Case.overdue_flagged_at.is_(None))
            .limit(1000)
        )
    )
    if not ids:
        return 0
    session.execute(update(Case).where(Case.id.in_(ids)).values(overdue_flagged_at=now))
    session.add_all(
        TimelineEntry(
            case_id=case_id,
            kind="overdue",
            actor_type="system",
            body="Hồ sơ đã quá hạn xử lý.",
            data={},
            created_at=now,
        )
        for case_id in ids
    )
    session.flush()
    return len(ids)


def _text(text: str, field: str) -> str:
    body = (text or "").strip()
    if not body:
        raise ValidationFailed("Nội dung không được để trống.", code="empty_text", field=field)
    if len(body) > MAX_MESSAGE:
        raise ValidationFailed(f"Nội dung quá dài (tối đa {MAX_MESSAGE} ký tự).", code="text_too_long", field=field)
    return body
