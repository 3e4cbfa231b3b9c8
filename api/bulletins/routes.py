"""Staff API for bulletins: draft, edit, synthesise and preview, approve, publish; news feeds; the weekly digest."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import FileResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api.auth.deps import CurrentStaff, WriterStaff
from api.bulletins import announcements, service
from api.bulletins.announcements import announce_emergency
from api.bulletins.models import Announcement, NewsFeed, Status
from api.bulletins.production import audio_file, synthesize_bulletin
from api.bulletins.schemas import (
    AnnouncementCreate,
    AnnouncementRead,
    BulletinCreate,
    BulletinPage,
    BulletinRead,
    BulletinUpdate,
    FeedCreate,
    FeedRead,
)
from api.bulletins.sources import create_weekly_digest, refresh_feed
from api.bulletins.views import bulletin_read
from api.db import transaction
from api.deps import BroadcastSettingsDep, SessionDep, SessionFactoryDep, SettingsDep
from api.errors import Conflict, NotFound
from api.infra.signals import notify
from api.openapi_docs import ERROR_RESPONSES, IdPath

router = APIRouter(prefix="/api/v1/bulletins", tags=["bulletins"], responses=ERROR_RESPONSES)


@router.get("", response_model=BulletinPage, summary="Danh sách bản tin của xã")
def list_(
    session: SessionDep,
    staff: CurrentStaff,
    settings: BroadcastSettingsDep,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 50,
) -> BulletinPage:
    rows, total = service.list_bulletins(
        session, commune_id=staff.commune_id, status=status_, page=page, per_page=per_page
    )
    return BulletinPage(
        items=[bulletin_read(session, b, settings) for b in rows], total=total, page=page, per_page=per_page
    )


@router.post("", response_model=BulletinRead, status_code=status.HTTP_201_CREATED, summary="Soạn bản tin (nháp)")
def create(
    session: SessionDep, staff: WriterStaff, settings: BroadcastSettingsDep, body: BulletinCreate
) -> BulletinRead:
    bulletin = service.create_bulletin(session, commune_id=staff.commune_id, data=body, settings=settings, author=staff)
    return bulletin_read(session, bulletin, settings)


@router.get("/feeds", response_model=list[FeedRead], summary="Nguồn tin RSS/Atom của xã")
def list_feeds(session: SessionDep, staff: CurrentStaff) -> list[NewsFeed]:
    return list(session.scalars(select(NewsFeed).where(NewsFeed.commune_id == staff.commune_id)).all())


@router.post("/feeds", response_model=FeedRead, status_code=status.HTTP_201_CREATED, summary="Thêm nguồn tin")
def add_feed(session: SessionDep, staff: WriterStaff, body: FeedCreate) -> NewsFeed:
    exists = session.scalar(select(NewsFeed).where(NewsFeed.commune_id == staff.commune_id, NewsFeed.url == body.url))
    if exists is not None:
        raise Conflict("Nguồn tin này đã có.", code="feed_exists", field="url")
    feed = NewsFeed(commune_id=staff.commune_id, url=body.url, title=body.title)
    session.add(feed)
    session.flush()
    return feed


@router.post("/feeds/{feed_id}/refresh", response_model=list[BulletinRead], summary="Lấy tin mới từ nguồn ngay")
async def refresh(
    request: Request, factory: SessionFactoryDep, staff: WriterStaff, settings: BroadcastSettingsDep, feed_id: IdPath
) -> list[BulletinRead]:
    def check() -> None:
        with transaction(factory) as session:
            feed = session.get(NewsFeed, feed_id)
            if feed is None or feed.commune_id != staff.commune_id:
                raise NotFound(f"Không tìm thấy nguồn tin số {feed_id}.", code="feed_not_found")

    def read_created(created: list[int]) -> list[BulletinRead]:
        with transaction(factory) as session:
            rows = [service.get_bulletin(session, commune_id=staff.commune_id, bulletin_id=i) for i in created]
            return [bulletin_read(session, bulletin, settings) for bulletin in rows]

    await run_in_threadpool(check)  # database work off the event loop (api/bulletins/production.py)
    created = await refresh_feed(factory, request.app.state.outbound, settings=settings, feed_id=feed_id)
    return await run_in_threadpool(read_created, created)


@router.post(
    "/digest", response_model=BulletinRead, status_code=status.HTTP_201_CREATED, summary="Tạo bản tin tổng hợp tuần"
)
def digest(session: SessionDep, staff: WriterStaff, settings: BroadcastSettingsDep) -> BulletinRead:
    bulletin = create_weekly_digest(session, commune_id=staff.commune_id, settings=settings)
    if bulletin is None:
        raise Conflict("Bản tin tổng hợp tuần này đã có.", code="digest_exists")
    return bulletin_read(session, bulletin, settings)


@router.get("/{bulletin_id}", response_model=BulletinRead, summary="Một bản tin")
def read(session: SessionDep, staff: CurrentStaff, settings: BroadcastSettingsDep, bulletin_id: IdPath) -> BulletinRead:
    bulletin = service.get_bulletin(session, commune_id=staff.commune_id, bulletin_id=bulletin_id)
    return bulletin_read(session, bulletin, settings)


@router.patch("/{bulletin_id}", response_model=BulletinRead, summary="Sửa bản tin (bản đã duyệt trở về nháp)")
def update(
    session: SessionDep, staff: WriterStaff, settings: BroadcastSettingsDep, bulletin_id: IdPath, body: BulletinUpdate
) -> BulletinRead:
    bulletin = service.get_bulletin(session, commune_id=staff.commune_id, bulletin_id=bulletin_id)
    service.update_bulletin(session, bulletin=bulletin, data=body, settings=settings)
    return bulletin_read(session, bulletin, settings)


@router.delete("/{bulletin_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Xóa bản tin chưa phát hành")
def delete(session: SessionDep, staff: WriterStaff, app_settings: SettingsDep, bulletin_id: IdPath) -> None:
    bulletin = service.get_bulletin(session, commune_id=staff.commune_id, bulletin_id=bulletin_id)
    path = audio_file(app_settings.data_dir, bulletin)
    service.delete_bulletin(session, bulletin=bulletin)
    session.flush()
    if path is not None:
        path.unlink(missing_ok=True)


@router.post("/{bulletin_id}/synthesize", response_model=BulletinRead, summary="Tạo âm thanh để nghe thử")
async def synthesize(
    factory: SessionFactoryDep,
    app_settings: SettingsDep,
    staff: WriterStaff,
    settings: BroadcastSettingsDep,
    bulletin_id: IdPath,
) -> BulletinRead:
    def check() -> None:
        with transaction(factory) as session:
            bulletin = service.get_bulletin(session, commune_id=staff.commune_id, bulletin_id=bulletin_id)
            if bulletin.status == Status.published:
                raise Conflict("Bản tin đã phát hành, âm thanh đã cố định.", code="bulletin_published")

    def read() -> BulletinRead:
        with transaction(factory) as session:
            bulletin = service.get_bulletin(session, commune_id=staff.commune_id, bulletin_id=bulletin_id)
            return bulletin_read(session, bulletin, settings)

    await run_in_threadpool(check)  # database work off the event loop (api/bulletins/production.py)
    await synthesize_bulletin(factory, data_dir=app_settings.data_dir, settings=settings, bulletin_id=bulletin_id)
    return await run_in_threadpool(read)


@router.get(
    "/{bulletin_id}/audio",
    summary="Nghe thử âm thanh (hỗ trợ Range)",
    response_class=FileResponse,
    responses={200: {"content": {"audio/mpeg": {}}}, 206: {"content": {"audio/mpeg": {}}}},
)
def audio(session: SessionDep, staff: CurrentStaff, app_settings: SettingsDep, bulletin_id: IdPath) -> FileResponse:
    bulletin = service.get_bulletin(session, commune_id=staff.commune_id, bulletin_id=bulletin_id)
    path = audio_file(app_settings.data_dir, bulletin)
    if path is None:
        raise NotFound("Bản tin chưa có âm thanh.", code="audio_missing")
    return FileResponse(path, media_type="audio/mpeg")


@router.post("/{bulletin_id}/approve", response_model=BulletinRead, summary="Duyệt bản tin")
def approve(
    session: SessionDep, staff: WriterStaff, settings: BroadcastSettingsDep, bulletin_id: IdPath
) -> BulletinRead:
    bulletin = service.get_bulletin(session, commune_id=staff.commune_id, bulletin_id=bulletin_id)
    service.approve(session, bulletin=bulletin, staff=staff)
    return bulletin_read(session, bulletin, settings)


@router.post("/{bulletin_id}/publish", response_model=BulletinRead, summary="Phát hành bản tin đã duyệt")
def publish(
    request: Request, session: SessionDep, staff: WriterStaff, settings: BroadcastSettingsDep, bulletin_id: IdPath
) -> BulletinRead:
    bulletin = service.get_bulletin(session, commune_id=staff.commune_id, bulletin_id=bulletin_id)
    service.publish(session, bulletin=bulletin)
    if announce_emergency(session, bulletin=bulletin, staff=staff):
        notify(request.app, "announcements")
    return bulletin_read(session, bulletin, settings)


@router.post(
    "/{bulletin_id}/withdraw",
    response_model=BulletinRead,
    summary="Thu hồi bản tin đã phát hành (gỡ khỏi kênh podcast, danh sách phát và lịch cụm loa)",
)
def withdraw(
    session: SessionDep, staff: WriterStaff, settings: BroadcastSettingsDep, bulletin_id: IdPath
) -> BulletinRead:
    bulletin = service.get_bulletin(session, commune_id=staff.commune_id, bulletin_id=bulletin_id)
    service.withdraw(session, bulletin=bulletin)
    return bulletin_read(session, bulletin, settings)


@router.post(
    "/{bulletin_id}/announcements",
    response_model=AnnouncementRead,
    status_code=status.HTTP_201_CREATED,
    summary="Gửi bản tin thành tin nhắn đến người dân đăng ký (theo ấp, chủ đề)",
)
def create_announcement(
    request: Request, session: SessionDep, staff: WriterStaff, bulletin_id: IdPath, body: AnnouncementCreate
) -> Announcement:
    bulletin = service.get_bulletin(session, commune_id=staff.commune_id, bulletin_id=bulletin_id)
    row = announcements.announce(session, bulletin=bulletin, staff=staff, hamlets=body.hamlets, topics=body.topics)
    notify(request.app, "announcements")
    return row


@router.get(
    "/{bulletin_id}/announcements", response_model=list[AnnouncementRead], summary="Các lần gửi tin nhắn của bản tin"
)
def list_announcements(session: SessionDep, staff: CurrentStaff, bulletin_id: IdPath) -> list[Announcement]:
    bulletin = service.get_bulletin(session, commune_id=staff.commune_id, bulletin_id=bulletin_id)
    return announcements.announcements_of(session, bulletin_id=bulletin.id)
