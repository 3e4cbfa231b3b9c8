"""News feeds: parsing and cleaning (fixtures), then fetching over real HTTP into de-duplicated draft bulletins."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from api.bulletins.jobs import run_digest, run_feeds, run_synthesis
from api.config import Settings
from broadcast.feeds import FeedError, cap_words, lead_paragraph, parse_feed
from tests.broadcast.conftest import StaffMember
from tests.broadcast.feed_server import FIXTURES, FeedServer
from tests.broadcast.test_engines import _closed_port


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The fake feed server listens on loopback, which the outbound guard refuses unless told (tests only)."""
    return settings.model_copy(update={"outbound_allow_private": True})


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()


def test_rss_items_and_clean_leads() -> None:
    title, items = parse_feed((FIXTURES / "tinh-rss.xml").read_bytes())
    assert title == "Cổng thông tin điện tử tỉnh Demo - Tin tức"
    assert [i.key for i in items] == ["demo-tin-10231", "demo-tin-10232", "demo-tin-10233"]
    vaccine, rain, birth = items
    assert vaccine.lead.startswith("Từ ngày 1/12/2026, Sở Y tế tỉnh Demo")
    assert "Ảnh minh họa" not in vaccine.lead and "alert" not in vaccine.lead and "<" not in vaccine.lead
    assert "Đợt tiêm" not in vaccine.lead  # only the lead paragraph
    assert vaccine.published == datetime(2026, 11, 24, 1, 15, tzinfo=UTC)
    assert rain.lead.startswith("(Demo) - Đài Khí tượng") and "\xa0" not in rain.lead and "&nbsp;" not in rain.lead
    assert birth.lead.startswith("Người dân có thể đăng ký khai sinh")  # the photo credit is skipped


def test_atom_content_and_summary() -> None:
    title, items = parse_feed((FIXTURES / "bo-atom.xml").read_bytes())
    assert title == "Báo Chính phủ - Chính sách mới"
    assert items[0].lead.startswith("Theo Nghị định 76/2026/NĐ-CP")
    assert items[0].link == "https://baochinhphu.example/tang-tro-cap-xa-hoi.htm"
    assert items[1].lead.startswith("Công an xã hỗ trợ")
    assert items[0].source_ref != items[1].source_ref and items[0].source_ref.startswith("feed:")


def test_not_a_feed() -> None:
    with pytest.raises(FeedError):
        parse_feed((FIXTURES / "not-a-feed.xml").read_bytes())


@pytest.mark.parametrize(
    ("html", "lead"),
    [
        ("<p>Ngắn.</p><p>Đoạn đầu tiên đủ dài để làm phần mở đầu của bản tin phát thanh.</p>", "Đoạn đầu tiên"),
        ("Văn bản thuần không có thẻ HTML nhưng vẫn đủ dài để đọc lên loa.", "Văn bản thuần"),
        ("<p>Hội nghị&nbsp;&quot;Dân vận khéo&quot; năm 2026 của xã diễn ra thành công tốt đẹp.</p>", "Hội nghị"),
    ],
)
def test_lead_paragraph(html: str, lead: str) -> None:
    text = lead_paragraph(html, max_words=100)
    assert text.startswith(lead) and "<" not in text and "&" not in text


def test_cap_words_prefers_a_sentence_end() -> None:
    text = "Câu một có năm chữ. Câu hai cũng có năm chữ. Câu ba dài hơn nhiều so với giới hạn."
    assert cap_words(text, 12) == "Câu một có năm chữ. Câu hai cũng có năm chữ."
    assert cap_words("một hai ba bốn năm sáu", 3) == "một hai ba…"


def _add_feed(client: TestClient, member: StaffMember, url: str) -> int:
    response = client.post("/api/v1/bulletins/feeds", json={"url": url}, headers=member.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_refresh_creates_drafts_once(client: TestClient, writer: StaffMember, feed_server: FeedServer) -> None:
    feed_id = _add_feed(client, writer, feed_server.url("tinh-rss.xml"))
    duplicate = client.post(
        "/api/v1/bulletins/feeds", json={"url": feed_server.url("tinh-rss.xml")}, headers=writer.headers
    )
    assert duplicate.status_code == 409
    first = client.post(f"/api/v1/bulletins/feeds/{feed_id}/refresh", headers=writer.headers).json()
    assert [b["source"] for b in first] == ["feed"] * 3 and all(b["status"] == "draft" for b in first)
    assert first[0]["source_url"] == "https://demo.gov.vn/tin-tuc/tiem-vac-xin-soi-2026.html"
    again = client.post(f"/api/v1/bulletins/feeds/{feed_id}/refresh", headers=writer.headers).json()
    assert again == [] and feed_server.requests[-1] == ("/tinh-rss.xml", 304)
    # A new item appears (new ETag): only that one becomes a draft.
    extra = (
        "<item><title>Tin mới</title><guid>demo-tin-10299</guid><description>Thông báo lịch cắt điện ngày 28/11"
        " tại ấp 3 từ 7h đến 11h để sửa chữa lưới điện.</description></item>"
    ).encode()
    feed_server.files["/tinh-rss.xml"] = feed_server.files["/tinh-rss.xml"].replace(b"<item>", extra + b"<item>", 1)
    newer = client.post(f"/api/v1/bulletins/feeds/{feed_id}/refresh", headers=writer.headers).json()
    assert [b["title"] for b in newer] == ["Tin mới"]
    feeds = client.get("/api/v1/bulletins/feeds", headers=writer.headers).json()
    assert feeds[0]["title"] == "Cổng thông tin điện tử tỉnh Demo - Tin tức" and feeds[0]["last_error"] is None


def test_refresh_records_errors(client: TestClient, writer: StaffMember, feed_server: FeedServer) -> None:
    broken = _add_feed(client, writer, feed_server.url("not-a-feed.xml"))
    missing = _add_feed(client, writer, feed_server.url("absent.xml"))
    down = _add_feed(client, writer, f"http://127.0.0.1:{_closed_port()}/rss")
    for feed_id in (broken, missing, down):
        assert client.post(f"/api/v1/bulletins/feeds/{feed_id}/refresh", headers=writer.headers).json() == []
    errors = {f["id"]: f["last_error"] for f in client.get("/api/v1/bulletins/feeds", headers=writer.headers).json()}
    assert "Không đọc được" in errors[broken]
    assert "404" in errors[missing]
    assert "Không tải được" in errors[down]


def test_background_jobs_fetch_and_synthesise(
    broadcast_app: FastAPI, client: TestClient, writer: StaffMember, feed_server: FeedServer
) -> None:
    _add_feed(client, writer, feed_server.url("bo-atom.xml"))
    asyncio.run(run_feeds(broadcast_app))
    drafts = client.get("/api/v1/bulletins?status=draft", headers=writer.headers).json()["items"]
    assert {d["title"] for d in drafts} == {
        "Từ 1/1/2027, tăng mức trợ cấp xã hội hằng tháng",
        "Hướng dẫn cài đặt và sử dụng VNeID mức 2",
    }
    asyncio.run(run_synthesis(broadcast_app))
    drafts = client.get("/api/v1/bulletins?status=draft", headers=writer.headers).json()["items"]
    assert all(d["audio"] and d["audio"]["current"] for d in drafts)
    # A feed fetched moments ago is not due again.
    before = len(feed_server.requests)
    asyncio.run(run_feeds(broadcast_app))
    assert len(feed_server.requests) == before


def test_jobs_and_awaiting_routes_keep_database_work_off_the_event_loop(
    broadcast_app: FastAPI, client: TestClient, writer: StaffMember, feed_server: FeedServer
) -> None:
    """On SQLite a write that waits for the lock (busy_timeout, 30 s) on the event loop's thread stops every request,
    the one holding the lock included: a staff login once hung 30 s behind the audio job. The broadcast jobs and the
    routes that await a feed or a synthesis run each statement in a worker thread, never on a running loop."""
    on_loop: list[str] = []

    def check(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: fine
        on_loop.append(statement.split(None, 1)[0])

    engine = broadcast_app.state.engine
    feed_id = _add_feed(client, writer, feed_server.url("bo-atom.xml"))
    event.listen(engine, "before_cursor_execute", check)
    try:
        asyncio.run(run_feeds(broadcast_app))
        asyncio.run(run_synthesis(broadcast_app))
        asyncio.run(run_digest(broadcast_app, now=datetime(2026, 12, 7, 2, 0, tzinfo=UTC)))  # Monday, 9:00 local
        refreshed = client.post(f"/api/v1/bulletins/feeds/{feed_id}/refresh", headers=writer.headers)
        drafts = client.get("/api/v1/bulletins?status=draft", headers=writer.headers).json()["items"]
        synthesized = client.post(f"/api/v1/bulletins/{drafts[0]['id']}/synthesize", headers=writer.headers)
    finally:
        event.remove(engine, "before_cursor_execute", check)
    assert refreshed.status_code == 200 and synthesized.status_code == 200, (refreshed.text, synthesized.text)
    assert any("tổng hợp" in d["title"].lower() for d in drafts), [d["title"] for d in drafts]  # the digest ran
    assert on_loop == []
