"""Console pages of the NLU loop: the review inbox (confirm / correct / dismiss in one click), conversation
transcripts with a flag on every citizen message, and the procedure facts due for review (knowledge/facts.py).

Citizens' words are staff-only: the pages need a role that may act on cases (viewers are refused).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.cases import access
from api.communes.models import Commune
from api.console_base import auth
from api.console_base.templating import ZONE, add_nav_item, add_template_dir, render
from api.deps import RasaDep, SessionDep, SessionFactoryDep
from api.errors import DomainError, NotFound, PermissionDenied, UpstreamUnavailable
from api.inbox_events.models import InboxEvent
from api.infra.writes import write_transaction
from api.nlu import review
from api.nlu.catalogue import load_catalogue
from api.nlu.models import REASON_LABELS, STATUS_LABELS, NluReview, Reason, ReviewStatus
from api.staff.audit import Action, record_access
from api.staff.models import Staff
from channels import registry
from channels.ids import ConversationId
from knowledge.facts import KnowledgeError, load_procedures, vietnam_today
from knowledge.review import KIND_ORDER, review_items

router = APIRouter(prefix="/staff", include_in_schema=False)
add_template_dir(Path(__file__).resolve().parent / "templates")
add_nav_item("Duyệt câu hỏi", "/staff/nlu")
add_nav_item("Rà soát thủ tục", "/staff/facts")

Csrf = Annotated[str, Form(max_length=100)]
FLASH = {
    "confirm": "Đã xác nhận.",
    "correct": "Đã lưu ý định và thực thể đúng.",
    "dismiss": "Đã bỏ qua câu này.",
    "flag": "Đã gắn cờ: câu này có trong hộp thư duyệt.",
}
LABELS = {
    "R_REASON": {r.value: label for r, label in REASON_LABELS.items()},
    "R_STATUS": {s.value: label for s, label in STATUS_LABELS.items()},
}
FACT_KINDS = {
    "overdue": "Quá hạn rà soát",
    "expired": "Hết hiệu lực",
    "due_soon": "Sắp đến hạn rà soát",
    "expiring": "Sắp hết hiệu lực",
    "unverified": "Căn cứ cần xác minh",
}
ASPECT_LABELS = {"who": "Ai được làm", "documents": "Giấy tờ", "time": "Thời gian giải quyết",
                 "deadline": "Thời hạn phải làm", "fee": "Lệ phí", "where": "Nơi nộp"}  # fmt: skip


def _writer(console: auth.ConsoleSession) -> Staff:
    if not console.staff.can_write:
        raise PermissionDenied("Tài khoản chỉ xem không mở được lời nhắn của người dân.", code="forbidden")
    return console.staff


def _slug(session: Session, staff: Staff) -> str:
    return str(session.scalar(select(Commune.slug).where(Commune.id == staff.commune_id)))


@router.get("/nlu")
def review_inbox(
    request: Request,
    session: SessionDep,
    console: auth.ConsoleStaff,
    status: Annotated[str, Query(max_length=16)] = "pending",
    done: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    return _inbox_page(request, session, console, status=status, done=done)


def _inbox_page(
    request: Request, session: Session, console: auth.ConsoleSession, *, status: str = "pending", done: str = "",
    error: str | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    staff = _writer(console)
    status = status if status in ReviewStatus.__members__ else ReviewStatus.pending.value
    rows, counts = review.listing(session, staff=staff, status=status)
    recent = [
        (access.public_ref(conversation_id), _label(conversation_id), last, count)
        for conversation_id, last, count in session.execute(
            select(InboxEvent.conversation_id, func.max(InboxEvent.received_at).label("last"), func.count())
            .where(_events_readable(staff), InboxEvent.route == "rasa")
            .group_by(InboxEvent.conversation_id)
            .order_by(func.max(InboxEvent.received_at).desc())
            .limit(15)
        ).all()
    ]
    context = {
        "console": console,
        "rows": [
            (row, review.entity_spec(row.text, row.entities), access.public_ref(row.conversation_id)) for row in rows
        ],
        "counts": counts,
        "status": status,
        "catalogue": load_catalogue(),
        "recent": recent,
        "flash": FLASH.get(done),
        "error": error,
        **LABELS,
    }
    return render(request, "nlu_review.html", context, status_code=status_code)


@router.post("/nlu/{review_id:int}")
def decide(
    review_id: int,
    request: Request,
    session: SessionDep,
    factory: SessionFactoryDep,
    console: auth.ConsoleStaff,
    csrf_token: Csrf = "",
    action: Annotated[str, Form(max_length=16)] = "",
    intent: Annotated[str, Form(max_length=64)] = "",
    entities: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    auth.check_csrf(console, csrf_token)
    staff = _writer(console)
    try:
        with write_transaction(factory) as writing:
            row = review.get(writing, staff=staff, review_id=review_id)
            decision = review.Decision(action, intent or None, entities)
            review.decide(writing, row=row, staff=staff, decision=decision, catalogue=load_catalogue())
    except DomainError as exc:
        return _inbox_page(request, session, console, error=exc.message, status_code=exc.status_code)
    return RedirectResponse(f"/staff/nlu?{urlencode({'done': action})}", status_code=303)


@dataclass(frozen=True)
class TranscriptTurn:
    event_id: int
    received_local: str
    text: str
    replies: list[str]
    route: str | None
    review: NluReview | None


def _events_readable(staff: Staff) -> ColumnElement[bool]:
    return access.visible(staff, InboxEvent.conversation_id, InboxEvent.commune_id)


def _label(conversation_id: str) -> str:
    """What a transcript is called on screen: the channel and commune, never the platform's id (a web secret)."""
    parsed = ConversationId.try_parse(conversation_id)
    return f"{parsed.channel} · {parsed.commune}" if parsed else "?"


def _turns(session: Session, staff: Staff, conversation_id: str) -> list[TranscriptTurn]:
    events = session.scalars(
        select(InboxEvent)
        .where(_events_readable(staff), InboxEvent.conversation_id == conversation_id)
        .order_by(InboxEvent.id)
        .limit(200)
    ).all()
    if not events:
        raise NotFound("Không tìm thấy hội thoại.", code="conversation_not_found")
    reviews = {
        r.inbox_event_id: r
        for r in session.scalars(select(NluReview).where(NluReview.inbox_event_id.in_([e.id for e in events])))
    }
    slug = _slug(session, staff)
    turns = []
    for event in events:
        try:
            messages = registry.get(event.channel).parse(json.loads(event.raw), commune=slug)
        except (KeyError, ValueError):
            messages = []
        text = messages[0].text if messages else ""
        replies = [str(r.get("text") or "") for r in (event.response or []) if isinstance(r, dict) and r.get("text")]
        when = event.received_at.astimezone(ZONE).strftime("%d/%m %H:%M") if event.received_at else ""
        turns.append(TranscriptTurn(event.id, when, text, replies, event.route, reviews.get(event.id)))
    return turns


@router.get("/nlu/conversations/{ref}")
def transcript(request: Request, ref: str, session: SessionDep, console: auth.ConsoleStaff) -> Response:
    staff = _writer(console)
    conversation_id = access.resolve_ref(ref)
    turns = _turns(session, staff, conversation_id)
    record_access(session, staff=staff, action=Action.view, subject=f"conversation:{ref[:180]}")
    context = {"console": console, "conversation_label": _label(conversation_id), "turns": turns, **LABELS}
    return render(request, "nlu_transcript.html", context)


@router.post("/nlu/flag")
async def flag(
    session: SessionDep,
    factory: SessionFactoryDep,
    rasa: RasaDep,
    console: auth.ConsoleStaff,
    csrf_token: Csrf = "",
    inbox_event_id: Annotated[int, Form(ge=1)] = 0,
) -> Response:
    """Flag a citizen message from a transcript: it joins the review inbox with the current model's reading."""
    auth.check_csrf(console, csrf_token)
    staff = _writer(console)

    def read() -> tuple[InboxEvent, str]:
        event = session.scalar(select(InboxEvent).where(InboxEvent.id == inbox_event_id, _events_readable(staff)))
        if event is None:
            raise NotFound("Không tìm thấy tin nhắn.", code="message_not_found")
        messages = registry.get(event.channel).parse(json.loads(event.raw), commune=_slug(session, staff))
        return event, messages[0].text if messages else ""

    def record(event: InboxEvent, text: str, parse: dict[str, Any]) -> None:
        with write_transaction(factory) as writing:
            review.record(
                writing, commune_id=staff.commune_id, inbox_event_id=event.id, conversation_id=event.conversation_id,
                text=text, parse=parse, reason=Reason.flagged, flagged_by=writing.get(Staff, staff.id),
            )  # fmt: skip

    event, text = await run_in_threadpool(read)  # database work off the event loop (api/bulletins/production.py)
    if not text.strip():
        raise NotFound("Tin nhắn này không có chữ để duyệt.", code="message_has_no_text")
    parse: dict[str, Any] = {}
    try:
        parse = await rasa.parse(text)
    except (UpstreamUnavailable, httpx.HTTPError):
        parse = {}  # Rasa down: the officer picks the intent without the model's guess
    await run_in_threadpool(record, event, text, parse)
    return RedirectResponse("/staff/nlu?done=flag", status_code=303)


@router.get("/facts")
def facts_due(request: Request, console: auth.ConsoleStaff) -> Response:
    """Procedure facts due for review: overdue or soon, out of force or about to be, or not yet cited to the article."""
    today = vietnam_today()  # the date in Vietnam decides which dated version is in force (XASO_TODAY freezes it)
    error = None
    try:
        items = review_items(load_procedures(), today)
    except KnowledgeError as exc:
        items, error = [], f"Tệp thủ tục lỗi: {exc}"
    counts = {kind: sum(1 for i in items if i.kind == kind) for kind in KIND_ORDER}
    context = {
        "console": console,
        "items": items,
        "counts": counts,
        "today": today,
        "error": error,
        "FACT_KINDS": FACT_KINDS,
        "ASPECT_LABELS": ASPECT_LABELS,
    }
    return render(request, "facts_review.html", context)
