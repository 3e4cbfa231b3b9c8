"""What loudspeaker controllers and listeners fetch: podcast RSS, today's M3U, the JSON schedule, audio ranges."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import soundfile as sf
from fastapi.testclient import TestClient

from tests.broadcast.conftest import StaffMember
from tests.broadcast.test_bulletins_api import draft

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
BASE = "/api/v1/broadcast/xa-demo"


def publish(client: TestClient, writer: StaffMember, approver: StaffMember, **fields: Any) -> dict[str, Any]:
    bid = draft(client, writer, **fields)["id"]
    assert client.post(f"/api/v1/bulletins/{bid}/synthesize", headers=writer.headers).status_code == 200
    assert client.post(f"/api/v1/bulletins/{bid}/approve", headers=approver.headers).status_code == 200
    response = client.post(f"/api/v1/bulletins/{bid}/publish", headers=approver.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def later_today(minutes: int) -> datetime:
    """A time later today in the commune, ``minutes`` from now; in the day's last 40 minutes the same order squeezed
    into what is left (two such times once both became 23:59 and their order was a coin toss, at 16:5x UTC)."""
    now = datetime.now(ZONE)
    candidate = now + timedelta(minutes=minutes)
    if candidate.date() != now.date():
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        candidate = now + (midnight - now) * minutes / 40
    return candidate.astimezone(UTC).replace(microsecond=0)


def test_only_published_bulletins_appear(client: TestClient, writer: StaffMember, approver: StaffMember) -> None:
    draft(client, writer, title="Bản nháp chưa duyệt")
    news = publish(
        client, writer, approver, title="Lịch thu gom rác <mới> & đổi giờ", schedule=[later_today(5).isoformat()]
    )
    rss = client.get(f"{BASE}/podcast.xml")
    assert rss.status_code == 200 and rss.headers["content-type"].startswith("application/rss+xml")
    channel = ET.fromstring(rss.content).find("channel")
    assert channel is not None
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["Lịch thu gom rác <mới> & đổi giờ"]
    enclosure = items[0].find("enclosure")
    assert enclosure is not None and enclosure.get("type") == "audio/mpeg"
    assert enclosure.get("url", "").endswith(f"/api/v1/broadcast/xa-demo/audio/{news['id']}.mp3")
    assert int(enclosure.get("length", "0")) == news["audio"]["bytes"]
    assert b"&lt;m\xe1\xbb\x9bi&gt; &amp;" in rss.content  # escaped, not injected


def test_m3u_lists_today_in_play_order(client: TestClient, writer: StaffMember, approver: StaffMember) -> None:
    second = publish(client, writer, approver, title="Tin thứ hai", schedule=[later_today(30).isoformat()])
    first = publish(client, writer, approver, title="Tin thứ nhất", schedule=[later_today(10).isoformat()])
    tomorrow = (datetime.now(ZONE) + timedelta(days=1)).replace(hour=7).astimezone(UTC)
    publish(client, writer, approver, title="Tin ngày mai", schedule=[tomorrow.isoformat()])
    response = client.get(f"{BASE}/today.m3u")
    assert response.headers["content-type"].startswith("audio/x-mpegurl")
    lines = response.text.strip().splitlines()
    assert lines[0] == "#EXTM3U"
    urls = [line for line in lines if not line.startswith("#")]
    assert [u.rsplit("/", 1)[1] for u in urls] == [f"{first['id']}.mp3", f"{second['id']}.mp3"]
    extinf = [line for line in lines if line.startswith("#EXTINF:")]
    assert extinf[0].startswith(f"#EXTINF:{round(first['audio']['duration_seconds'])},")
    assert "Tin thứ nhất" in extinf[0]


def test_controller_json_flags_emergencies(client: TestClient, writer: StaffMember, approver: StaffMember) -> None:
    publish(client, writer, approver, title="Tin thường", schedule=[later_today(20).isoformat()])
    quiet = client.get(f"{BASE}/emergencies").json()
    assert quiet["emergency"] is False and quiet["items"] == []
    storm = publish(client, writer, approver, title="Khẩn cấp: bão số 9", priority="khan_cap", schedule=[])
    data = client.get(f"{BASE}/schedule").json()
    assert data["emergency"] is True
    assert data["items"][0]["id"] == storm["id"] and data["items"][0]["interrupt"] is True
    assert data["items"][0]["priority_label"] == "khẩn cấp"
    assert data["items"][1]["interrupt"] is False
    polled = client.get(f"{BASE}/emergencies").json()
    assert [item["id"] for item in polled["items"]] == [storm["id"]]


def test_audio_is_served_with_ranges(client: TestClient, writer: StaffMember, approver: StaffMember) -> None:
    news = publish(client, writer, approver, schedule=[later_today(15).isoformat()])
    url = f"{BASE}/audio/{news['id']}.mp3"
    full = client.get(url)
    assert full.status_code == 200 and full.headers["content-type"] == "audio/mpeg"
    assert full.headers["accept-ranges"] == "bytes"
    assert sf.info(io.BytesIO(full.content)).duration > 3
    part = client.get(url, headers={"Range": "bytes=100-1123"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-1123/{len(full.content)}"
    assert part.content == full.content[100:1124]
    tail = client.get(url, headers={"Range": "bytes=-500"})
    assert tail.status_code == 206 and tail.content == full.content[-500:]
    beyond = client.get(url, headers={"Range": f"bytes={len(full.content) + 10}-"})
    assert beyond.status_code == 416


def test_unpublished_audio_and_unknown_commune_are_404(client: TestClient, writer: StaffMember) -> None:
    bid = draft(client, writer)["id"]
    client.post(f"/api/v1/bulletins/{bid}/synthesize", headers=writer.headers)
    assert client.get(f"{BASE}/audio/{bid}.mp3").status_code == 404
    assert client.get("/api/v1/broadcast/khong-co/podcast.xml").status_code == 404
    assert client.get(f"{BASE}/schedule?date=hom-nay").status_code == 422
    assert client.get(f"{BASE}/today.m3u?date=0001-01-01").json()["error"]["field"] == "date"
    assert client.get(f"{BASE}/audio/99999999999.mp3").status_code == 422


def test_a_withdrawn_bulletin_leaves_every_feed(client: TestClient, writer: StaffMember, approver: StaffMember) -> None:
    kept = publish(client, writer, approver, title="Tin giữ lại", schedule=[later_today(25).isoformat()])
    wrong = publish(client, writer, approver, title="Tin đăng nhầm", schedule=[later_today(12).isoformat()])
    storm = publish(client, writer, approver, title="Khẩn cấp nhầm", priority="khan_cap", schedule=[])
    for bulletin in (wrong, storm):
        response = client.post(f"/api/v1/bulletins/{bulletin['id']}/withdraw", headers=approver.headers)
        assert response.status_code == 200 and response.json()["status_label"] == "Đã thu hồi"
    rss = ET.fromstring(client.get(f"{BASE}/podcast.xml").content).find("channel")
    assert rss is not None and [i.findtext("title") for i in rss.findall("item")] == ["Tin giữ lại"]
    urls = [line for line in client.get(f"{BASE}/today.m3u").text.splitlines() if not line.startswith("#")]
    assert [u.rsplit("/", 1)[1] for u in urls] == [f"{kept['id']}.mp3"]
    schedule = client.get(f"{BASE}/schedule").json()
    assert schedule["emergency"] is False and [item["id"] for item in schedule["items"]] == [kept["id"]]
    assert client.get(f"{BASE}/emergencies").json()["items"] == []
    assert client.get(f"{BASE}/audio/{wrong['id']}.mp3").status_code == 404
    # Only a published bulletin can be withdrawn; a withdrawn one cannot be edited back into the feeds.
    again = client.post(f"/api/v1/bulletins/{wrong['id']}/withdraw", headers=approver.headers)
    assert again.status_code == 409
    edit = client.patch(f"/api/v1/bulletins/{wrong['id']}", json={"title": "Sửa lại"}, headers=writer.headers)
    assert edit.status_code == 409
