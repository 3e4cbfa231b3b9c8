"""Admin screens: routing rules (with deadlines in working days or hours), office hours and holidays, canned replies.

Office hours and holidays are checked by the same parser that computes deadlines (WorkCalendar.from_settings), so a
value the calendar cannot read is refused with its message instead of being saved.
"""

from __future__ import annotations

import re
import string
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.auth.inputs import reject_nul
from api.cases import canned, rules
from api.cases.catalog import CATEGORIES, Kind
from api.communes.models import Commune
from api.communes.worktime import DAY_KEYS, WEEKDAY_NAMES, CalendarError, WorkCalendar
from api.console.admin import PREFIX, AdminConsole, Csrf, admin_page, run_form
from api.console_base import auth
from api.deps import SessionDep
from api.errors import ValidationFailed
from api.openapi_docs import parse_id
from api.staff.service import list_departments, list_staff

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(reject_nul)])
Small = Annotated[str, Form(max_length=12)]
Hours = Annotated[str, Form(max_length=200)]
FLASH = {"saved": "Đã lưu.", "deleted": "Đã xóa quy tắc.", "defaults": "Đã dùng lại các câu trả lời mẫu mặc định."}
MAX_CANNED = 30


def _commune(session: Session, console: auth.ConsoleSession) -> Commune:
    commune = session.get(Commune, console.staff.commune_id)
    assert commune is not None  # a staff row always belongs to a commune (foreign key)
    return commune


def _save_settings(commune: Commune, **changes: Any) -> None:
    merged = {**(commune.settings or {}), **changes}
    commune.settings = {key: value for key, value in merged.items() if value is not None}  # a new dict: JSON dirty


# --- routing rules --------------------------------------------------------------------------------------------------
def _rules_page(
    request: Request, session: Session, console: auth.ConsoleSession, *, error: str | None = None, **kw: Any
) -> Response:
    commune_id = console.staff.commune_id
    context = {
        "rules": rules.list_rules(session, commune_id=commune_id),
        "departments": list_departments(session, commune_id=commune_id),
        "officers": [s for s in list_staff(session, commune_id=commune_id, active_only=True) if s.can_write],
        "kinds": [k.value for k in Kind],
        "categories": CATEGORIES,
    }
    return admin_page(request, console, "admin_rules.html", context, error=error, **kw)


def _int(value: str, *, field: str, label: str, low: int, high: int) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit() or not low <= int(value) <= high:
        raise ValidationFailed(f"{label} phải là số nguyên từ {low} đến {high}.", code="invalid_number", field=field)
    return int(value)


@router.get("/rules")
def rules_page(request: Request, session: SessionDep, console: AdminConsole, ok: str = "") -> Response:
    return _rules_page(request, session, console, flash=FLASH.get(ok))


@router.post("/rules")
def save_rule(
    request: Request,
    session: SessionDep,
    console: AdminConsole,
    csrf_token: Csrf = "",
    rule_id: Small = "",
    action: Small = "save",
    kind: Small = "",
    category: Annotated[str, Form(max_length=32)] = "",
    department_id: Small = "",
    assignee_id: Small = "",
    sla_days: Small = "",
    sla_hours: Small = "",
    enabled: Small = "",
) -> Response:
    """Add a rule (no rule_id), change one, or delete one. A deadline in working days wins over working hours."""

    def run() -> Response:
        commune_id = console.staff.commune_id
        existing = rules.get_rule(session, commune_id=commune_id, rule_id=int(rule_id)) if parse_id(rule_id) else None
        if action == "delete" and existing is not None:
            rules.delete_rule(session, rule=existing)
            return RedirectResponse(f"{PREFIX}/rules?ok=deleted", status_code=303)
        if kind and kind not in {k.value for k in Kind}:
            raise ValidationFailed("Loại hồ sơ không hợp lệ.", code="invalid_kind", field="kind")
        days = _int(sla_days, field="sla_days", label="Số ngày làm việc", low=1, high=90)
        hours = _int(sla_hours, field="sla_hours", label="Số giờ làm việc", low=1, high=2000)
        if days is None and hours is None:
            raise ValidationFailed(
                "Đặt thời hạn xử lý: số ngày làm việc hoặc số giờ làm việc.", code="sla_required", field="sla_days"
            )
        rules.save_rule(
            session,
            commune_id=commune_id,
            rule=existing,
            kind=kind or None,
            category=category or None,
            department_id=parse_id(department_id),
            assignee_id=parse_id(assignee_id),
            sla_hours=hours if hours is not None else days * 8 if days else 16,
            sla_days=days,
            enabled=bool(enabled),
        )
        return RedirectResponse(f"{PREFIX}/rules?ok=saved", status_code=303)

    return run_form(
        session, console, csrf_token, run, lambda m, s: _rules_page(request, session, console, error=m, status_code=s)
    )


# --- office hours and holidays --------------------------------------------------------------------------------------
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _dates(text: str, what: str) -> list[str]:
    """One date a line (or comma-separated), as 2026-12-31 or 31/12/2026; returned as ISO dates, sorted."""
    found: set[str] = set()
    for item in re.split(r"[\n,;]+", text):
        item = item.strip()
        if not item:
            continue
        match = _DMY.match(item)
        try:
            day = date(int(match[3]), int(match[2]), int(match[1])) if match else date.fromisoformat(item)
        except ValueError:
            raise CalendarError(f"Ngày không hợp lệ trong danh sách {what}: '{item}' (ví dụ: 31/12/2026)") from None
        found.add(day.isoformat())
    return sorted(found)


def _calendar_page(
    request: Request,
    session: Session,
    console: auth.ConsoleSession,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    **kw: Any,
) -> Response:
    commune = _commune(session, console)
    calendar = WorkCalendar.for_commune(commune)
    settings = commune.settings or {}
    hours = settings.get("office_hours")
    days = settings.get("holidays") or {}
    current = {
        key: ", ".join(hours.get(key) or []) if isinstance(hours, dict) else ", ".join(calendar_periods(calendar, i))
        for i, key in enumerate(DAY_KEYS)
    }
    current["off"] = "\n".join(days.get("off") or [])
    current["work"] = "\n".join(days.get("work") or [])
    year = date.today().year
    public = sorted((d, name) for d, name in calendar.public.items() if d.year in (year, year + 1))
    context = {
        "form": {**current, **(form or {})},
        "days": list(zip(DAY_KEYS, WEEKDAY_NAMES, strict=True)),
        "public_holidays": public,
    }
    return admin_page(request, console, "admin_calendar.html", context, error=error, **kw)


def calendar_periods(calendar: WorkCalendar, weekday: int) -> list[str]:
    return [f"{a:%H:%M}-{b:%H:%M}" for a, b in calendar.week.get(weekday, ())]


@router.get("/calendar")
def calendar_page(request: Request, session: SessionDep, console: AdminConsole, ok: str = "") -> Response:
    return _calendar_page(request, session, console, flash=FLASH.get(ok))


@router.post("/calendar")
def save_calendar(
    request: Request,
    session: SessionDep,
    console: AdminConsole,
    csrf_token: Csrf = "",
    t2: Hours = "",
    t3: Hours = "",
    t4: Hours = "",
    t5: Hours = "",
    t6: Hours = "",
    t7: Hours = "",
    cn: Hours = "",
    off: Annotated[str, Form(max_length=4000)] = "",
    work: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    form = dict(zip(DAY_KEYS, (t2, t3, t4, t5, t6, t7, cn), strict=True)) | {"off": off, "work": work}
    auth.check_csrf(console, csrf_token)
    commune = _commune(session, console)
    try:
        office_hours = {key: [p.strip() for p in form[key].split(",") if p.strip()] for key in DAY_KEYS}
        holidays = {"off": _dates(form["off"], "ngày nghỉ"), "work": _dates(form["work"], "ngày làm bù")}
        WorkCalendar.from_settings({"office_hours": office_hours, "holidays": holidays}, timezone=commune.timezone)
        if not any(office_hours.values()):
            raise CalendarError("Phải có ít nhất một ngày làm việc trong tuần.")
    except CalendarError as exc:
        return _calendar_page(request, session, console, form=form, error=str(exc), status_code=422)
    _save_settings(commune, office_hours={k: v for k, v in office_hours.items() if v}, holidays=holidays)
    session.flush()
    return RedirectResponse(f"{PREFIX}/calendar?ok=saved", status_code=303)


# --- canned replies -------------------------------------------------------------------------------------------------
def _canned_page(
    request: Request,
    session: Session,
    console: auth.ConsoleSession,
    *,
    replies: list[canned.CannedReply] | None = None,
    error: str | None = None,
    **kw: Any,
) -> Response:
    commune = _commune(session, console)
    own = isinstance((commune.settings or {}).get("canned_replies"), list)
    context = {
        "replies": replies if replies is not None else canned.templates_of(commune.settings),
        "own": own,
        "blank_rows": 2,
        "VARIABLES": canned.VARIABLES,
    }
    return admin_page(request, console, "admin_canned.html", context, error=error, **kw)


def check_template(title: str, text: str) -> None:
    """Refuse a reply whose braces do not parse or that names a variable the console cannot fill."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        raise ValidationFailed(
            f"'{title}': dấu ngoặc nhọn chưa đúng; biến viết dạng {{ma_ho_so}}.", code="bad_template", field="text"
        ) from None
    unknown = sorted(names - set(canned.VARIABLES))
    if unknown:
        allowed = ", ".join("{" + v + "}" for v in canned.VARIABLES)
        raise ValidationFailed(
            f"'{title}': không có biến {{{unknown[0]}}}. Các biến dùng được: {allowed}.",
            code="unknown_variable",
            field="text",
        )


@router.get("/canned")
def canned_page(request: Request, session: SessionDep, console: AdminConsole, ok: str = "") -> Response:
    return _canned_page(request, session, console, flash=FLASH.get(ok))


@router.post("/canned")
def save_canned(
    request: Request,
    session: SessionDep,
    console: AdminConsole,
    csrf_token: Csrf = "",
    action: Small = "save",
    title: Annotated[list[str] | None, Form(max_length=200)] = None,
    text: Annotated[list[str] | None, Form(max_length=4000)] = None,
) -> Response:
    auth.check_csrf(console, csrf_token)
    commune = _commune(session, console)
    if action == "defaults":
        settings = dict(commune.settings or {})
        settings.pop("canned_replies", None)
        commune.settings = settings
        session.flush()
        return RedirectResponse(f"{PREFIX}/canned?ok=defaults", status_code=303)
    titles = [t.strip() for t in title or []][: MAX_CANNED + 5]
    texts = [t.strip() for t in text or []][: MAX_CANNED + 5]
    replies = [canned.CannedReply(t, x) for t, x in zip(titles, texts, strict=False) if t or x]
    try:
        if not replies:
            raise ValidationFailed("Cần ít nhất một câu trả lời mẫu (hoặc bấm Dùng mẫu mặc định).", code="empty")
        if len(replies) > MAX_CANNED:
            raise ValidationFailed(f"Tối đa {MAX_CANNED} câu trả lời mẫu.", code="too_many")
        for reply in replies:
            if not reply.title or not reply.text:
                raise ValidationFailed("Mỗi câu trả lời mẫu cần cả tên và nội dung.", code="incomplete")
            if len(reply.title) > 80 or len(reply.text) > 2000:
                raise ValidationFailed(
                    f"'{reply.title[:40]}': tên tối đa 80 ký tự, nội dung tối đa 2.000 ký tự.", code="too_long"
                )
            check_template(reply.title, reply.text)
    except ValidationFailed as exc:
        return _canned_page(request, session, console, replies=replies, error=exc.message, status_code=422)
    _save_settings(commune, canned_replies=[{"title": r.title, "text": r.text} for r in replies])
    session.flush()
    return RedirectResponse(f"{PREFIX}/canned?ok=saved", status_code=303)
