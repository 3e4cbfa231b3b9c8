"""Console pages for bulletins: list and draft, preview player, synthesise, approve, publish (extends base.html)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.bulletins import announcements, service
from api.bulletins.models import PRIORITY_LABELS, STATUS_LABELS, Bulletin, Priority, Status
from api.bulletins.production import audio_file, synthesize_bulletin
from api.bulletins.schemas import BulletinCreate, BulletinUpdate
from api.bulletins.views import bulletin_read
from api.communes.models import Commune
from api.console_base import auth
from api.console_base.templating import add_nav_item, add_template_dir, render, schedule_example
from api.db import transaction
from api.deps import BroadcastSettingsDep, SessionDep, SessionFactoryDep, SettingsDep
from api.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from api.infra.signals import notify
from api.openapi_docs import IdPath
from api.subscriptions.hamlets import known_hamlets
from api.subscriptions.topics import TOPICS
from broadcast.engines import EdgeEngine, EspeakEngine
from broadcast.settings import BroadcastSettings

router = APIRouter(prefix="/staff/bulletins", include_in_schema=False)
add_template_dir(Path(__file__).resolve().parent / "templates")
add_nav_item("Phát thanh", "/staff/bulletins")

Csrf = Annotated[str, Form(max_length=100)]
FLASH = {
    "created": "Đã lưu bản nháp.",
    "saved": "Đã lưu thay đổi.",
    "audio": "Đã tạo âm thanh, hãy nghe thử trước khi duyệt.",
    "approved": "Đã duyệt bản tin.",
    "withdrawn": "Đã thu hồi bản tin: không còn trong danh sách phát, kênh podcast và lịch của cụm loa.",
    "published": "Đã phát hành: cụm loa sẽ nhận theo lịch.",
    "announced": "Đã xếp hàng gửi tin nhắn đến người dân đăng ký; số liệu cập nhật bên dưới.",
}
LABELS = {
    "B_STATUS": {s.value: label for s, label in STATUS_LABELS.items()},
    "B_PRIORITY": {p.value: label for p, label in PRIORITY_LABELS.items()},
    "B_VOICES": {"edge": EdgeEngine.voices, "offline": EspeakEngine.voices, "piper": ()},
    # Plain words for officers: no engine names, no loudness units (the figures stay in the tooltip and the API).
    "ENGINE_LABELS": {
        "edge": "Giọng tự nhiên (cần Internet)",
        "offline": "Giọng máy, không cần Internet",
        "piper": "Giọng cài trên máy chủ",
    },
    "VOICE_LABELS": {
        "vi-VN-HoaiMyNeural": "Nữ – Hoài My",
        "vi-VN-NamMinhNeural": "Nam – Nam Minh",
        "vi": "Giọng Bắc",
        "vi-vn-x-central": "Giọng Trung",
        "vi-vn-x-south": "Giọng Nam",
    },
}


def _schedule(text: str, commune: Commune) -> list[datetime]:
    """One play time a line, "2026-11-25 06:30" or "25/11/2026 06:30", in the commune's time zone."""
    times = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"):
            try:
                times.append(datetime.strptime(line, fmt).replace(tzinfo=service.zone(commune)))
                break
            except ValueError:
                continue
        else:
            raise ValidationFailed(
                f"Giờ phát '{line}' không đúng dạng ngày/tháng/năm giờ:phút, ví dụ {schedule_example()}.",
                field="schedule",
            )
    return times


def _form_error(exc: ValidationError) -> ValidationFailed:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    return ValidationFailed(f"Trường '{field}' không hợp lệ: {first['msg']}", field=field)


FormModel = TypeVar("FormModel", BulletinCreate, BulletinUpdate)


def _validated(model: type[FormModel], form: dict[str, str], *, schedule: str, commune: Commune) -> FormModel:
    """The console form as the API's schema; an empty voice means the engine's default."""
    try:
        return model.model_validate({**form, "voice": form["voice"] or None, "schedule": _schedule(schedule, commune)})
    except ValidationError as exc:
        raise _form_error(exc) from exc


def _writer(console: auth.ConsoleSession, csrf: str) -> None:
    auth.check_csrf(console, csrf)
    if not console.staff.can_write:
        raise PermissionDenied("Tài khoản chỉ xem không được thay đổi bản tin.", code="read_only_role")


def _list_page(
    request: Request,
    session: Session,
    console: auth.ConsoleSession,
    settings: BroadcastSettings,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    rows, total = service.list_bulletins(
        session, commune_id=console.staff.commune_id, status=None, page=1, per_page=100
    )
    context = {"console": console, "bulletins": rows, "total": total, "settings": settings, **LABELS, **extra}
    return render(request, "bulletins.html", context, status_code=status_code)


def _detail_page(
    request: Request,
    session: Session,
    console: auth.ConsoleSession,
    settings: BroadcastSettings,
    bulletin: Bulletin,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    commune = session.get(Commune, bulletin.commune_id)
    assert commune is not None
    context = {
        "console": console,
        "b": bulletin,
        "read": bulletin_read(session, bulletin, settings),
        "schedule_text": "\n".join(
            p.play_at.astimezone(service.zone(commune)).strftime("%d/%m/%Y %H:%M") for p in bulletin.plays
        ),
        "can_write": console.staff.can_write,
        "can_approve": service.may_approve(bulletin, console.staff),
        # Sending to citizens' chats: the form's choices, the report, and who could not be reached (to call them).
        "hamlets": [h.name for h in known_hamlets(commune)],
        "topics": TOPICS,
        "announcements": announcements.announcements_of(session, bulletin_id=bulletin.id),
        "unreached": announcements.unreached(session, bulletin_id=bulletin.id) if bulletin.announced_at else [],
        "state_labels": announcements.STATE_LABELS,
        **LABELS,
        **extra,
    }
    return render(request, "bulletin.html", context, status_code=status_code)


@router.get("")
def bulletins(
    request: Request, session: SessionDep, console: auth.ConsoleStaff, settings: BroadcastSettingsDep
) -> Response:
    return _list_page(request, session, console, settings)


@router.post("")
def create(
    request: Request,
    session: SessionDep,
    console: auth.ConsoleStaff,
    settings: BroadcastSettingsDep,
    csrf_token: Csrf,
    title: Annotated[str, Form(max_length=300)],
    body: Annotated[str, Form(max_length=30_000)],
    priority: Annotated[str, Form(max_length=20)] = Priority.thong_thuong.value,
    engine: Annotated[str, Form(max_length=20)] = "edge",
    voice: Annotated[str, Form(max_length=64)] = "",
    schedule: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    _writer(console, csrf_token)
    commune = session.get(Commune, console.staff.commune_id)
    assert commune is not None
    try:
        form = {"title": title, "body": body, "priority": priority, "engine": engine, "voice": voice}
        data = _validated(BulletinCreate, form, schedule=schedule, commune=commune)
        bulletin = service.create_bulletin(
            session, commune_id=commune.id, data=data, settings=settings, author=console.staff
        )
    except DomainError as exc:
        session.rollback()
        return _list_page(
            request,
            session,
            console,
            settings,
            error=exc.message,
            status_code=422,
            form={"title": title, "body": body, "schedule": schedule},
        )
    return RedirectResponse(f"/staff/bulletins/{bulletin.id}?ok=created", status_code=303)


@router.get("/{bulletin_id}")
def detail(
    request: Request,
    session: SessionDep,
    console: auth.ConsoleStaff,
    settings: BroadcastSettingsDep,
    bulletin_id: IdPath,
    ok: str = "",
) -> Response:
    bulletin = service.get_bulletin(session, commune_id=console.staff.commune_id, bulletin_id=bulletin_id)
    return _detail_page(request, session, console, settings, bulletin, flash=FLASH.get(ok))


@router.get("/{bulletin_id}/audio")
def audio(session: SessionDep, console: auth.ConsoleStaff, app_settings: SettingsDep, bulletin_id: IdPath) -> Response:
    bulletin = service.get_bulletin(session, commune_id=console.staff.commune_id, bulletin_id=bulletin_id)
    path = audio_file(app_settings.data_dir, bulletin)
    if path is None:
        raise NotFound("Bản tin chưa có âm thanh.", code="audio_missing")
    return FileResponse(path, media_type="audio/mpeg")


@router.post("/{bulletin_id}/edit")
def edit(
    request: Request,
    session: SessionDep,
    console: auth.ConsoleStaff,
    settings: BroadcastSettingsDep,
    bulletin_id: IdPath,
    csrf_token: Csrf,
    title: Annotated[str, Form(max_length=300)],
    body: Annotated[str, Form(max_length=30_000)],
    priority: Annotated[str, Form(max_length=20)],
    engine: Annotated[str, Form(max_length=20)],
    voice: Annotated[str, Form(max_length=64)] = "",
    schedule: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    _writer(console, csrf_token)
    bulletin = service.get_bulletin(session, commune_id=console.staff.commune_id, bulletin_id=bulletin_id)
    commune = session.get(Commune, bulletin.commune_id)
    assert commune is not None
    try:
        form = {"title": title, "body": body, "priority": priority, "engine": engine, "voice": voice}
        data = _validated(BulletinUpdate, form, schedule=schedule, commune=commune)
        service.update_bulletin(session, bulletin=bulletin, data=data, settings=settings)
    except DomainError as exc:
        session.rollback()
        bulletin = service.get_bulletin(session, commune_id=console.staff.commune_id, bulletin_id=bulletin_id)
        return _detail_page(request, session, console, settings, bulletin, error=exc.message, status_code=422)
    return RedirectResponse(f"/staff/bulletins/{bulletin_id}?ok=saved", status_code=303)


@router.post("/{bulletin_id}/synthesize")
async def synthesize(
    request: Request,
    factory: SessionFactoryDep,
    console: auth.ConsoleStaff,
    app_settings: SettingsDep,
    settings: BroadcastSettingsDep,
    bulletin_id: IdPath,
    csrf_token: Csrf,
) -> Response:
    _writer(console, csrf_token)

    def check() -> None:
        with transaction(factory) as session:
            bulletin = service.get_bulletin(session, commune_id=console.staff.commune_id, bulletin_id=bulletin_id)
            if bulletin.status in (Status.published, Status.withdrawn):
                raise ValidationFailed("Bản tin đã phát hành, âm thanh đã cố định.")

    def error_page(message: str) -> Response:
        with transaction(factory) as session:
            bulletin = service.get_bulletin(session, commune_id=console.staff.commune_id, bulletin_id=bulletin_id)
            return _detail_page(request, session, console, settings, bulletin, error=message, status_code=422)

    try:  # database work off the event loop (api/bulletins/production.py)
        await run_in_threadpool(check)
        await synthesize_bulletin(factory, data_dir=app_settings.data_dir, settings=settings, bulletin_id=bulletin_id)
    except DomainError as exc:
        return await run_in_threadpool(error_page, exc.message)
    return RedirectResponse(f"/staff/bulletins/{bulletin_id}?ok=audio", status_code=303)


def _transition(
    request: Request,
    session: Session,
    console: auth.ConsoleSession,
    settings: BroadcastSettings,
    bulletin_id: IdPath,
    csrf: str,
    action: str,
) -> Response:
    _writer(console, csrf)
    bulletin = service.get_bulletin(session, commune_id=console.staff.commune_id, bulletin_id=bulletin_id)
    try:
        if action == "approved":
            service.approve(session, bulletin=bulletin, staff=console.staff)
        elif action == "withdrawn":
            service.withdraw(session, bulletin=bulletin)
        else:
            service.publish(session, bulletin=bulletin)
            if announcements.announce_emergency(session, bulletin=bulletin, staff=console.staff):
                notify(request.app, "announcements")  # an emergency goes to every subscriber at once
    except DomainError as exc:
        session.rollback()
        bulletin = service.get_bulletin(session, commune_id=console.staff.commune_id, bulletin_id=bulletin_id)
        return _detail_page(
            request, session, console, settings, bulletin, error=exc.message, status_code=exc.status_code
        )
    return RedirectResponse(f"/staff/bulletins/{bulletin_id}?ok={action}", status_code=303)


def _step(action: str) -> Callable[..., Response]:
    def step(
        request: Request,
        session: SessionDep,
        console: auth.ConsoleStaff,
        settings: BroadcastSettingsDep,
        bulletin_id: IdPath,
        csrf_token: Csrf,
    ) -> Response:
        return _transition(request, session, console, settings, bulletin_id, csrf_token, action)

    return step


# The workflow buttons: one form post each (approve, publish, withdraw), the same handler.
for _path, _action in (("approve", "approved"), ("publish", "published"), ("withdraw", "withdrawn")):
    router.add_api_route(f"/{{bulletin_id}}/{_path}", _step(_action), methods=["POST"], name=f"bulletin_{_path}")


@router.post("/{bulletin_id}/announce")
def announce(
    request: Request,
    session: SessionDep,
    console: auth.ConsoleStaff,
    settings: BroadcastSettingsDep,
    bulletin_id: IdPath,
    csrf_token: Csrf,
    hamlets: Annotated[list[str] | None, Form(max_length=100)] = None,
    topics: Annotated[list[str] | None, Form(max_length=32)] = None,
) -> Response:
    _writer(console, csrf_token)
    bulletin = service.get_bulletin(session, commune_id=console.staff.commune_id, bulletin_id=bulletin_id)
    try:
        announcements.announce(
            session, bulletin=bulletin, staff=console.staff, hamlets=hamlets or [], topics=topics or []
        )
    except DomainError as exc:
        session.rollback()
        bulletin = service.get_bulletin(session, commune_id=console.staff.commune_id, bulletin_id=bulletin_id)
        return _detail_page(request, session, console, settings, bulletin, error=exc.message, status_code=422)
    notify(request.app, "announcements")
    return RedirectResponse(f"/staff/bulletins/{bulletin_id}?ok=announced", status_code=303)
