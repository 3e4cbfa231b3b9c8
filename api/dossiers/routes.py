"""HTTP for dossier lookups: the action server's internal API (service token), the admin's source settings, and the
demo's "move this dossier on" button."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from api.auth.deps import AdminStaff, ServiceCaller, WriterStaff
from api.auth.inputs import reject_nul
from api.deps import SessionDep, SessionFactoryDep, SettingsDep
from api.dossiers import flows, service
from api.dossiers.demo import advance_demo
from api.dossiers.jobs import poll_watches, watches_due_now
from api.dossiers.schemas import DemoAdvanced, DossierAnswer, SourceRead, SourceWrite, WatchCreate
from api.infra.writes import write_transaction
from api.openapi_docs import ERROR_RESPONSES

internal = APIRouter(
    prefix="/api/v1/internal/dossiers", tags=["internal"], responses=ERROR_RESPONSES, dependencies=[Depends(reject_nul)]
)
admin = APIRouter(prefix="/api/v1/dossiers", tags=["dossiers"], responses=ERROR_RESPONSES)
ConversationQuery = Annotated[str, Query(min_length=3, max_length=255, description="zalo:<xã>:<id>, tg:…, web:…")]


def _answer(answer: flows.Answer) -> DossierAnswer:
    return DossierAnswer(**answer.__dict__)


@internal.get("", response_model=DossierAnswer, summary="Hồ sơ một cửa theo số điện thoại kênh đã biết")
async def by_phone(
    conversation_id: ConversationQuery, request: Request, factory: SessionFactoryDep, settings: SettingsDep,
    _caller: ServiceCaller,
) -> DossierAnswer:  # fmt: skip
    register = request.app.state.register_conversation  # api/routers.py
    return _answer(await flows.by_phone(factory, settings, conversation_id=conversation_id, register=register))


@internal.get(
    "/{code}", response_model=DossierAnswer, summary="Tình trạng hồ sơ một cửa theo mã (không có dữ liệu cá nhân)"
)
async def by_code(
    code: str, conversation_id: ConversationQuery, request: Request, factory: SessionFactoryDep,
    settings: SettingsDep, _caller: ServiceCaller,
) -> DossierAnswer:  # fmt: skip
    register = request.app.state.register_conversation  # api/routers.py
    return _answer(
        await flows.by_code(factory, settings, conversation_id=conversation_id, code=code, register=register)
    )


@internal.post("/{code}/watch", response_model=DossierAnswer, summary="Báo cho người dân khi hồ sơ thay đổi")
async def watch(
    code: str, body: WatchCreate, request: Request, factory: SessionFactoryDep, settings: SettingsDep,
    _caller: ServiceCaller,
) -> DossierAnswer:  # fmt: skip
    register = request.app.state.register_conversation  # api/routers.py
    return _answer(
        await flows.start_watch(factory, settings, conversation_id=body.conversation_id, code=code, register=register)
    )


@admin.get("/source", response_model=SourceRead, summary="Nguồn hồ sơ một cửa của xã")
def read_source(session: SessionDep, settings: SettingsDep, staff: AdminStaff) -> SourceRead:
    return service.source_read(service.source_config(session, commune_id=staff.commune_id), settings=settings)


@admin.put("/source", response_model=SourceRead, summary="Cấu hình nguồn hồ sơ một cửa (OpenCPS, JSON, demo)")
def write_source(body: SourceWrite, session: SessionDep, settings: SettingsDep, staff: AdminStaff) -> SourceRead:
    row = service.configure_source(
        session, commune_id=staff.commune_id, kind=body.kind, config=body.config, secrets=body.secrets,
        enabled=body.enabled,
    )  # fmt: skip
    return service.source_read(row, settings=settings)


@admin.post("/demo/{code}/advance", response_model=DemoAdvanced, summary="Chuyển hồ sơ MẪU sang bước tiếp theo")
async def advance(code: str, factory: SessionFactoryDep, settings: SettingsDep, staff: WriterStaff) -> DemoAdvanced:
    """Demo data only: moves the sample dossier on and checks its watches at once, so the notice arrives now."""

    def write() -> str:
        with write_transaction(factory) as session:
            row = advance_demo(session, commune_id=staff.commune_id, code=code.strip().upper())
            watches_due_now(session, code=row.code)  # the poll just below checks them
            return row.status

    status = await run_in_threadpool(write)
    queued = await poll_watches(factory, settings)
    return DemoAdvanced(code=code.strip().upper(), status=status, notices_queued=queued)
