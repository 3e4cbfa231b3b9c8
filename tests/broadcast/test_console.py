"""Console pages for bulletins over HTTP: session + CSRF, draft, preview player, approve, publish, escaping."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.broadcast.conftest import PASSWORD, StaffMember

XSS = '<script>alert("x")</script>'


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:300]
    return match.group(1)


def login(client: TestClient, member: StaffMember) -> str:
    page = client.get("/staff/login")
    response = client.post(
        "/staff/login",
        data={"login": member.login, "password": PASSWORD, "csrf_token": _csrf(page.text), "next": "/staff/bulletins"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return _csrf(client.get("/staff/bulletins").text)


def new_bulletin(client: TestClient, csrf: str, **fields: Any) -> int:
    data = {
        "csrf_token": csrf,
        "title": "Thông báo cắt điện",
        "body": "Ngày 28/11/2026 từ 7h đến 11h cắt điện ấp 3 để sửa chữa lưới điện.",
        "priority": "uu_tien",
        "engine": "offline",
        "voice": "vi-vn-x-south",
        "schedule": "2099-11-28 06:30\n28/11/2099 17:00",
        **fields,
    }
    response = client.post("/staff/bulletins", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/staff/bulletins/(\d+)\?ok=created", response.headers["location"])
    assert match
    return int(match.group(1))


def test_pages_need_a_session(client: TestClient) -> None:
    for path in ("/staff/bulletins", "/staff/bulletins/1", "/staff/bulletins/1/audio"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")


def test_draft_preview_approve_publish(client: TestClient, writer: StaffMember, approver: StaffMember) -> None:
    csrf = login(client, writer)
    assert 'href="/staff/bulletins"' in client.get("/staff").text  # the console's navigation has the page
    bid = new_bulletin(client, csrf)
    page = client.get(f"/staff/bulletins/{bid}?ok=created")
    assert "Đã lưu bản nháp." in page.text and "Chưa có âm thanh." in page.text
    assert "28/11/2099 06:30" in page.text and "28/11/2099 17:00" in page.text
    # The author may not approve their own bulletin: no "Duyệt" button to be refused after the click.
    assert 'data-testid="approve"' not in page.text and 'data-testid="needs-approver"' in page.text

    made = client.post(f"/staff/bulletins/{bid}/synthesize", data={"csrf_token": csrf}, follow_redirects=False)
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert f'src="/staff/bulletins/{bid}/audio"' in page.text and "Âm lượng chuẩn phát thanh" in page.text
    assert "Giọng máy, không cần Internet · Giọng Nam" in page.text
    visible = re.sub(r'title="[^"]*"', "", page.text)  # the technical figures stay in a tooltip only
    for jargon in ("LUFS", "dBTP", "Engine", "edge-tts", "espeak"):
        assert jargon not in visible, jargon
    # Once synthesised, the length shown is the audio's own.
    length = re.search(r'data-testid="length">Dài (\d+) giây<', page.text)
    duration = re.search(r"<dt>Thời lượng</dt><dd>([\d.]+) giây", page.text)
    assert length and duration and int(length.group(1)) == round(float(duration.group(1)))
    audio = client.get(f"/staff/bulletins/{bid}/audio", headers={"Range": "bytes=0-99"})
    assert audio.status_code == 206 and audio.headers["content-type"] == "audio/mpeg" and len(audio.content) == 100

    own = client.post(f"/staff/bulletins/{bid}/approve", data={"csrf_token": csrf})
    assert own.status_code == 403 and "không tự duyệt" in own.text

    client.cookies.clear()
    csrf = login(client, approver)
    assert 'data-testid="approve"' in client.get(f"/staff/bulletins/{bid}").text
    approved = client.post(f"/staff/bulletins/{bid}/approve", data={"csrf_token": csrf}, follow_redirects=False)
    assert approved.status_code == 303
    published = client.post(f"/staff/bulletins/{bid}/publish", data={"csrf_token": csrf}, follow_redirects=True)
    assert "Đã phát hành" in published.text
    assert 'data-testid="bulletin-status">Đã phát hành<' in published.text
    assert f"/audio/{bid}.mp3" in client.get("/api/v1/broadcast/xa-demo/podcast.xml").text

    withdrawn = client.post(f"/staff/bulletins/{bid}/withdraw", data={"csrf_token": csrf}, follow_redirects=True)
    assert 'data-testid="bulletin-status">Đã thu hồi<' in withdrawn.text and "Đã thu hồi bản tin" in withdrawn.text
    assert (
        'data-testid="withdraw"' not in withdrawn.text and f'action="/staff/bulletins/{bid}/edit"' not in withdrawn.text
    )
    assert f"/audio/{bid}.mp3" not in client.get("/api/v1/broadcast/xa-demo/podcast.xml").text
    assert client.get(f"/api/v1/broadcast/xa-demo/audio/{bid}.mp3").status_code == 404
    again = client.post(f"/staff/bulletins/{bid}/withdraw", data={"csrf_token": csrf})
    assert again.status_code == 409 and "đã phát hành" in again.text


def test_form_errors_and_csrf(client: TestClient, writer: StaffMember) -> None:
    csrf = login(client, writer)
    bad_time = client.post(
        "/staff/bulletins",
        data={"csrf_token": csrf, "title": "Tin", "body": "Nội dung.", "engine": "offline", "schedule": "sáng mai"},
    )
    assert bad_time.status_code == 422 and "sáng mai" in bad_time.text
    too_long = client.post(
        "/staff/bulletins", data={"csrf_token": csrf, "title": "Tin", "body": "bà con " * 400, "engine": "offline"}
    )
    assert too_long.status_code == 422 and "quá dài" in too_long.text
    forged = client.post("/staff/bulletins", data={"csrf_token": "gia-mao", "title": "Tin", "body": "Nội dung."})
    assert forged.status_code == 403


def test_untrusted_text_is_escaped(client: TestClient, writer: StaffMember) -> None:
    csrf = login(client, writer)
    bid = new_bulletin(client, csrf, title=XSS, body=XSS)
    page = client.get(f"/staff/bulletins/{bid}")
    assert XSS not in page.text and "&lt;script&gt;" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert XSS not in client.get("/staff/bulletins").text


def test_viewer_sees_but_cannot_act(client: TestClient, writer: StaffMember, make_member: Any) -> None:
    csrf = login(client, writer)
    bid = new_bulletin(client, csrf)
    client.cookies.clear()
    viewer = make_member("viewer")
    csrf = login(client, viewer)
    page = client.get(f"/staff/bulletins/{bid}")
    assert page.status_code == 200 and 'data-testid="synthesize"' not in page.text
    assert client.post(f"/staff/bulletins/{bid}/synthesize", data={"csrf_token": csrf}).status_code == 403
