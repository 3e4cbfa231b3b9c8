"""The console over HTTP: session cookie + CSRF, list/detail/actions, isolation, escaping, security headers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.api.cases.conftest import PASSWORD, Member

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def login(client: TestClient, member: Member, password: str = PASSWORD) -> str:
    page = client.get("/staff/login")
    assert page.status_code == 200 and "Đăng nhập cán bộ" in page.text
    response = client.post(
        "/staff/login",
        data={"login": member.login, "password": password, "csrf_token": _csrf(page.text), "next": "/staff"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/staff"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    return _csrf(client.get("/staff").text)


def test_pages_need_a_session(client: TestClient) -> None:
    for path in ("/staff", "/staff/stats", "/staff/cases/PA-2026-000001", "/staff/export.csv"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login?next=")


def test_login_rejects_bad_password_and_missing_csrf(client: TestClient, officer: Member) -> None:
    page = client.get("/staff/login")
    wrong = client.post(
        "/staff/login", data={"login": officer.login, "password": "sai-roi-12345", "csrf_token": _csrf(page.text)}
    )
    assert wrong.status_code == 401 and "không đúng" in wrong.text
    forged = client.post("/staff/login", data={"login": officer.login, "password": PASSWORD, "csrf_token": "x"})
    assert forged.status_code == 400
    assert "xaso_staff_session" not in forged.headers.get("set-cookie", "")


def test_open_redirect_is_refused(client: TestClient, officer: Member) -> None:
    page = client.get("/staff/login")
    response = client.post(
        "/staff/login",
        data={
            "login": officer.login,
            "password": PASSWORD,
            "csrf_token": _csrf(page.text),
            "next": "https://evil.example",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/staff"


def test_list_detail_reply_resolve(
    client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member
) -> None:
    code = file_case(conversation_id="zalo:xa-demo:c1")["code"]
    csrf = login(client, officer)
    listing = client.get("/staff")
    assert code in listing.text and "Địa chính" in listing.text
    assert listing.headers["content-security-policy"].startswith("default-src 'self'")
    filtered = client.get("/staff", params={"status": "resolved"})
    assert code not in filtered.text
    detail = client.get(f"/staff/cases/{code}")
    assert detail.status_code == 200 and "Ổ gà lớn" in detail.text

    reply = client.post(
        f"/staff/cases/{code}/reply",
        data={"csrf_token": csrf, "text": "Đã tiếp nhận, sẽ xử lý."},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    page = client.get(reply.headers["location"]).text
    assert "Đã gửi trả lời tới người dân." in page and "Đã tiếp nhận, sẽ xử lý." in page
    assert "đang chờ gửi" in page  # the outbox delivery state is visible to staff

    missing = client.post(f"/staff/cases/{code}/status", data={"csrf_token": csrf, "status": "resolved", "note": ""})
    assert missing.status_code == 422 and "Cần ghi kết quả" in missing.text
    done = client.post(
        f"/staff/cases/{code}/status",
        data={"csrf_token": csrf, "status": "resolved", "note": "Đã sửa xong"},
        follow_redirects=True,
    )
    assert 'data-testid="case-status">Đã giải quyết<' in done.text

    stats = client.get("/staff/stats")
    assert stats.status_code == 200 and "Giải quyết đúng hạn" in stats.text
    csv = client.get("/staff/export.csv")
    assert csv.status_code == 200 and code in csv.text and csv.text.startswith("\ufeffMã hồ sơ")


def test_forms_need_the_csrf_token(
    client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member
) -> None:
    code = file_case()["code"]
    login(client, officer)
    for action, data in (("reply", {"text": "x"}), ("note", {"text": "x"}), ("status", {"status": "in_progress"})):
        response = client.post(f"/staff/cases/{code}/{action}", data={**data, "csrf_token": "forged"})
        assert response.status_code == 403, action
    detail = client.get(f"/staff/cases/{code}").text
    assert "Đang xử lý</span>" not in detail


def test_console_isolation_and_viewer(
    client: TestClient, file_case: Callable[..., dict[str, Any]], make_staff: Callable[..., Member], other_commune: str
) -> None:
    code = file_case()["code"]
    outsider = make_staff("admin", commune=other_commune, department="van_phong")
    csrf = login(client, outsider)
    assert code not in client.get("/staff").text
    assert client.get(f"/staff/cases/{code}").status_code == 404
    assert client.post(f"/staff/cases/{code}/note", data={"csrf_token": csrf, "text": "x"}).status_code == 404
    assert code not in client.get("/staff/export.csv").text
    client.cookies.clear()
    viewer = make_staff("viewer")
    csrf = login(client, viewer)
    page = client.get(f"/staff/cases/{code}")
    assert page.status_code == 200 and "Gửi trả lời" not in page.text
    refused = client.post(f"/staff/cases/{code}/note", data={"csrf_token": csrf, "text": "x"})
    assert refused.status_code == 403


def test_citizen_text_is_escaped(client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member) -> None:
    code = file_case(title=XSS[:150], description=XSS, location_text=XSS, contact_name=XSS[:100])["code"]
    login(client, officer)
    for path in ("/staff", f"/staff/cases/{code}"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html


def test_logout_revokes_the_session(client: TestClient, officer: Member) -> None:
    csrf = login(client, officer)
    cookie = client.cookies.get("xaso_staff_session")
    assert client.post("/staff/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    client.cookies.set("xaso_staff_session", cookie or "", path="/staff")
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_uploaded_images_are_served_to_the_communes_staff_only(
    client: TestClient,
    file_case: Callable[..., dict[str, Any]],
    officer: Member,
    make_staff: Callable[..., Member],
    other_commune: str,
) -> None:
    code = file_case()["code"]
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 100
    stored = client.post(
        f"/api/v1/cases/{code}/attachments", files={"file": ("a.jpg", jpeg, "image/jpeg")}, headers=officer.headers
    ).json()["attachments"][-1]
    login(client, officer)
    image = client.get(stored)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg" and image.content == jpeg
    assert client.get(stored.replace(".jpg", ".png")).status_code == 404
    assert client.get("/staff/media/1/..%2F..%2Fetc%2Fpasswd").status_code == 404
    client.cookies.clear()
    login(client, make_staff("admin", commune=other_commune, department="van_phong"))
    assert client.get(stored).status_code == 404


def test_merge_from_the_console(client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member) -> None:
    keep = file_case(conversation_id="zalo:xa-demo:m1")["code"]
    dup = file_case(conversation_id="zalo:xa-demo:m2")["code"]
    csrf = login(client, officer)
    missing = client.post(f"/staff/cases/{dup}/merge", data={"csrf_token": csrf, "into": ""})
    assert missing.status_code == 422 and "Nhập mã hồ sơ" in missing.text
    done = client.post(f"/staff/cases/{dup}/merge", data={"csrf_token": csrf, "into": keep}, follow_redirects=True)
    assert 'data-testid="case-status">Trùng lặp<' in done.text and f"/staff/cases/{keep}" in done.text
