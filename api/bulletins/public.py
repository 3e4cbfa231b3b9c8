"""What the commune publishes: a podcast RSS feed, today's M3U playlist, and the JSON API polled by IP loudspeaker
controllers (emergencies flagged so they interrupt). Audio is served with its content type and byte ranges."""

from __future__ import annotations

from datetime import date
from email.utils import format_datetime
from pathlib import Path
from typing import Annotated, Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Query, Response
from fastapi import Path as Path_
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from api.bulletins import service, versions
from api.bulletins.models import PRIORITY_LABELS, Bulletin, Priority, Status
from api.bulletins.production import stored_file
from api.communes.models import Commune
from api.communes.service import get_commune
from api.config import Settings
from api.db import utcnow
from api.deps import SessionDep, SettingsDep
from api.errors import NotFound, ValidationFailed
from api.infra.sanitize import single_line, xml_text
from api.openapi_docs import ERROR_RESPONSES, IdPath

router = APIRouter(prefix="/api/v1/broadcast", tags=["broadcast"], responses=ERROR_RESPONSES)
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ET.register_namespace("itunes", ITUNES)


def audio_url(settings: Settings, commune: Commune, bulletin: Bulletin) -> str:
    return f"{settings.public_base_url.rstrip('/')}/api/v1/broadcast/{commune.slug}/audio/{bulletin.id}.mp3"


def _playable(bulletin: Bulletin) -> bool:
    return bulletin.status == Status.published and bulletin.audio_path is not None


@router.get(
    "/{slug}/podcast.xml",
    summary="Kênh podcast (RSS) các bản tin đã phát hành",
    responses={200: {"content": {"application/rss+xml": {}}}},
)
def podcast(session: SessionDep, settings: SettingsDep, slug: str) -> Response:
    commune = get_commune(session, slug=slug)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = f"Bản tin phát thanh {commune.name}"
    ET.SubElement(channel, "link").text = f"{settings.public_base_url.rstrip('/')}/api/v1/broadcast/{slug}/podcast.xml"
    ET.SubElement(channel, "description").text = f"Thông báo, tin tức của {commune.name} qua hệ thống loa truyền thanh."
    ET.SubElement(channel, "language").text = "vi"
    ET.SubElement(channel, f"{{{ITUNES}}}author").text = commune.name
    for bulletin in service.published(session, commune_id=commune.id):
        if not _playable(bulletin):
            continue
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = xml_text(single_line(bulletin.title))
        ET.SubElement(item, "description").text = xml_text(bulletin.body)
        ET.SubElement(item, "guid", {"isPermaLink": "false"}).text = f"xaso:{slug}:bulletin:{bulletin.id}"
        if bulletin.published_at:
            ET.SubElement(item, "pubDate").text = format_datetime(bulletin.published_at)
        ET.SubElement(
            item,
            "enclosure",
            {
                "url": audio_url(settings, commune, bulletin),
                "length": str(bulletin.audio_bytes or 0),
                "type": "audio/mpeg",
            },
        )
        ET.SubElement(item, f"{{{ITUNES}}}duration").text = str(round(bulletin.audio_duration_seconds or 0))
    body = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/rss+xml; charset=utf-8")


def _day(commune: Commune, day: date | None) -> date:
    if day is not None and not 2000 <= day.year <= 2100:
        raise ValidationFailed("Ngày phải trong khoảng năm 2000–2100.", code="invalid_date", field="date")
    return day or utcnow().astimezone(service.zone(commune)).date()


@router.get(
    "/{slug}/today.m3u",
    summary="Danh sách phát (M3U) theo lịch hôm nay; khẩn cấp lên đầu",
    responses={200: {"content": {"audio/x-mpegurl": {}}}},
)
def playlist(
    session: SessionDep, settings: SettingsDep, slug: str, day: Annotated[date | None, Query(alias="date")] = None
) -> Response:
    commune = get_commune(session, slug=slug)
    start, end = service.day_bounds(commune, _day(commune, day))
    lines = ["#EXTM3U", f"#PLAYLIST:{single_line(commune.name)} — {start.date().isoformat()}"]
    for play in service.schedule_between(session, commune=commune, start=start, end=end):
        if not _playable(play.bulletin):
            continue
        title = single_line(play.bulletin.title).replace(",", " ")  # no \r or \n can start a new playlist line
        local = play.play_at.astimezone(service.zone(commune)).strftime("%H:%M")
        lines.append(f"#EXTINF:{round(play.bulletin.audio_duration_seconds or 0)},{local} {title}")
        lines.append(audio_url(settings, commune, play.bulletin))
    return Response("\n".join(lines) + "\n", media_type="audio/x-mpegurl; charset=utf-8")


def _item(settings: Settings, commune: Commune, play: service.Play) -> dict[str, Any]:
    bulletin = play.bulletin
    return {
        "id": bulletin.id,
        "title": bulletin.title,
        "priority": bulletin.priority,
        "priority_label": PRIORITY_LABELS[Priority(bulletin.priority)],
        "emergency": bulletin.is_emergency,
        "interrupt": play.interrupt,
        "play_at": play.play_at.isoformat(),
        "audio_url": audio_url(settings, commune, bulletin),
        "content_type": "audio/mpeg",
        "bytes": bulletin.audio_bytes,
        "duration_seconds": bulletin.audio_duration_seconds,
        "loudness_lufs": bulletin.audio_loudness_lufs,
        "published_at": bulletin.published_at.isoformat() if bulletin.published_at else None,
    }


@router.get("/{slug}/schedule", summary="Lịch phát cho bộ điều khiển cụm loa IP (JSON)")
def schedule(
    session: SessionDep, settings: SettingsDep, slug: str, day: Annotated[date | None, Query(alias="date")] = None
) -> dict[str, Any]:
    commune = get_commune(session, slug=slug)
    the_day = _day(commune, day)
    start, end = service.day_bounds(commune, the_day)
    plays = [
        p for p in service.schedule_between(session, commune=commune, start=start, end=end) if _playable(p.bulletin)
    ]
    items = [_item(settings, commune, play) for play in plays]
    return {
        "commune": commune.slug,
        "timezone": commune.timezone,
        "date": the_day.isoformat(),
        "generated_at": utcnow().isoformat(),
        "emergency": any(item["interrupt"] for item in items),
        "items": items,
    }


@router.get("/{slug}/emergencies", summary="Bản tin khẩn cấp đang hiệu lực (bộ điều khiển hỏi thường xuyên)")
def emergencies(session: SessionDep, settings: SettingsDep, slug: str) -> dict[str, Any]:
    commune = get_commune(session, slug=slug)
    now = utcnow()
    plays = service.schedule_between(session, commune=commune, start=now, end=now)
    items = [_item(settings, commune, p) for p in plays if p.interrupt and _playable(p.bulletin)]
    return {"commune": commune.slug, "generated_at": now.isoformat(), "emergency": bool(items), "items": items}


def _serve(path: Path, bulletin: Bulletin) -> FileResponse:
    return FileResponse(
        path,
        media_type="audio/mpeg",
        filename=f"ban-tin-{bulletin.id}.mp3",
        content_disposition_type="inline",
        headers={"Cache-Control": "public, max-age=3600"},
    )


def _public_bulletin(session: Session, slug: str, bulletin_id: int) -> Bulletin:
    commune = get_commune(session, slug=slug)
    bulletin = session.get(Bulletin, bulletin_id)
    if bulletin is None or bulletin.commune_id != commune.id or not versions.is_public(bulletin):
        raise NotFound("Không có âm thanh đã phát hành với mã này.", code="audio_not_found")
    return bulletin


@router.get(
    "/{slug}/audio/{bulletin_id}.mp3",
    summary="Âm thanh đã duyệt mới nhất của bản tin đã phát hành (hỗ trợ Range)",
    response_class=FileResponse,
    responses={200: {"content": {"audio/mpeg": {}}}, 206: {"content": {"audio/mpeg": {}}}},
)
def audio(session: SessionDep, settings: SettingsDep, slug: str, bulletin_id: IdPath) -> FileResponse:
    bulletin = _public_bulletin(session, slug, bulletin_id)
    # Only an approved file, never a draft's new audio (api/bulletins/versions.py).
    approval = versions.latest_approval(session, bulletin_id=bulletin.id)
    path = stored_file(settings.data_dir, approval.audio_path) if approval is not None else None
    if path is None:
        raise NotFound("Không có âm thanh đã phát hành với mã này.", code="audio_not_found")
    return _serve(path, bulletin)


@router.get(
    "/{slug}/audio/{bulletin_id}/{version}.mp3",
    summary="Âm thanh của đúng phiên bản đã duyệt (liên kết trong tin nhắn gửi người dân; hỗ trợ Range)",
    response_class=FileResponse,
    responses={200: {"content": {"audio/mpeg": {}}}, 206: {"content": {"audio/mpeg": {}}}},
)
def audio_version(
    session: SessionDep,
    settings: SettingsDep,
    slug: str,
    bulletin_id: IdPath,
    version: Annotated[str, Path_(pattern=r"^[0-9a-f]{16}$")],
) -> FileResponse:
    bulletin = _public_bulletin(session, slug, bulletin_id)
    approval = versions.approval_of_version(session, bulletin_id=bulletin.id, version=version)
    path = stored_file(settings.data_dir, approval.audio_path) if approval is not None else None
    if path is None:
        raise NotFound("Không có phiên bản âm thanh đã duyệt này.", code="audio_not_found", field="version")
    return _serve(path, bulletin)
