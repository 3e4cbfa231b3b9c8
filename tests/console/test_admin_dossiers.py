"""The console's page for the commune's one-stop dossier source (api/console/admin_dossiers.py): admins only, secrets
never shown back (only their key names), a blank secret keeps the stored one, bad input is a Vietnamese error on the
page, and "Kiểm tra kết nối" says whether the source answered (a real fake OpenCPS on 127.0.0.1, and a dead port)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.db import transaction
from api.dossiers.models import DossierSourceConfig
from tests.api.cases.conftest import Member
from tests.api.dossiers.fake_opencps import GROUP_ID, PASSWORD, USER, FakeOpenCps
from tests.console.test_console_http import _csrf, login
from tests.support.asgi_thread import serve
from tests.support.processes import free_port

PAGE = "/staff/admin/dossiers"


@pytest.fixture
def opencps() -> Iterator[tuple[FakeOpenCps, str]]:
    fake = FakeOpenCps()
    with serve(fake.app()) as url:
        yield fake, url


def _form(csrf: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": csrf, "kind": "opencps", "enabled": "1", **fields}


def _row(app: FastAPI) -> DossierSourceConfig | None:
    with transaction(app.state.sessionmaker) as session:
        row = session.query(DossierSourceConfig).one_or_none()
        if row is not None:
            session.expunge(row)
        return row


def test_only_admins_reach_the_page_and_it_is_in_the_admin_menu(
    client: TestClient, officer: Member, admin: Member
) -> None:
    csrf = login(client, officer)
    refused = client.get(PAGE, headers={"accept": "text/html"})
    assert refused.status_code == 403 and "Chỉ quản trị viên" in refused.text
    assert client.post(PAGE, data=_form(csrf, base_url="https://a.gov.vn", group_id="1")).status_code == 403
    assert client.post(f"{PAGE}/check", data={"csrf_token": csrf}).status_code == 403
    client.cookies.clear()
    login(client, admin)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'data-testid="source-kind">Dữ liệu mẫu (demo, để thử) — mặc định khi chưa cấu hình' in page.text
    assert f'href="{PAGE}"' in client.get("/staff/admin/staff").text  # linked from the admin navigation


def test_admin_saves_opencps_and_the_secrets_never_come_back(client: TestClient, app: FastAPI, admin: Member) -> None:
    csrf = login(client, admin)
    without_csrf = client.post(PAGE, data={"kind": "demo"})
    assert without_csrf.status_code == 403
    saved = client.post(
        PAGE,
        data=_form(csrf, base_url="https://motcua.demo.gov.vn/", group_id=GROUP_ID, username=USER, password=PASSWORD),
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{PAGE}?ok=saved"
    page = client.get(saved.headers["location"]).text
    assert "Đã lưu nguồn hồ sơ" in page and "OpenCPS" in page and "https://motcua.demo.gov.vn/" in page
    assert "<code>password</code> (đã lưu)" in page and "<code>username</code> (đã lưu)" in page
    assert PASSWORD not in page and USER not in page  # neither value, anywhere in the HTML
    with transaction(app.state.sessionmaker) as session:
        raw = str(session.execute(text("select secrets from dossier_sources")).scalar_one())
    assert PASSWORD not in raw and USER not in raw  # encrypted at rest
    # A blank secret keeps the stored one; a new value replaces it; the switch turns the source off.
    client.post(PAGE, data=_form(csrf, base_url="https://motcua.demo.gov.vn", group_id="99", password="moi-mat-khau-2"))
    row = _row(app)
    assert row is not None and row.secrets == {"username": USER, "password": "moi-mat-khau-2"}
    assert row.config == {"base_url": "https://motcua.demo.gov.vn", "group_id": "99"}
    client.post(PAGE, data={"csrf_token": csrf, "kind": "opencps", "base_url": "https://a.gov.vn", "group_id": "1"})
    row = _row(app)
    assert row is not None and not row.enabled and row.secrets["password"] == "moi-mat-khau-2"
    assert "moi-mat-khau-2" not in client.get(PAGE).text


def test_a_json_source_with_its_mapping(client: TestClient, app: FastAPI, admin: Member) -> None:
    csrf = login(client, admin)
    extra = '{"status_map": {"1": "received", "4": "ready"}, "fields": {"code": "maHoSo"}}'
    form = {
        "csrf_token": csrf, "kind": "json", "enabled": "1", "base_url": "https://dvc.tinh.gov.vn",
        "lookup_path": "/api/hoso/{code}", "items_path": "data", "extra": extra, "token": "tok-bi-mat-123456",
    }  # fmt: skip
    assert client.post(PAGE, data=form, follow_redirects=False).status_code == 303
    row = _row(app)
    assert row is not None and row.kind == "json" and row.secrets == {"token": "tok-bi-mat-123456"}
    assert row.config["status_map"] == {"1": "received", "4": "ready"}
    assert row.config["lookup_path"] == "/api/hoso/{code}"
    page = client.get(PAGE).text
    assert "tok-bi-mat-123456" not in page and "&#34;status_map&#34;" in page and "<code>token</code> (đã lưu)" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "sharepoint"}, "Loại nguồn không hợp lệ"),
        ({"base_url": "motcua.tinh.gov.vn"}, "Địa chỉ base_url không hợp lệ"),
        ({"base_url": "https://"}, "Địa chỉ base_url không hợp lệ"),
        ({"base_url": "https://mot cua.gov.vn"}, "Địa chỉ base_url không hợp lệ"),
        ({"base_url": "https://a.gov.vn:http"}, "Địa chỉ base_url không hợp lệ"),
        ({"base_url": "https://user:pw@a.gov.vn"}, "Không ghi tên đăng nhập, mật khẩu trong base_url"),
        ({"base_url": ""}, "Cần địa chỉ base_url"),
        ({"group_id": ""}, "OpenCPS cần group_id"),
        ({"kind": "json", "extra": "{status_map: 1}"}, "Cấu hình thêm phải là một đối tượng JSON"),
        ({"kind": "json", "extra": '{"secret": "x"}'}, "Cấu hình thêm chỉ nhận các khóa"),
        ({"kind": "json", "extra": '{"status_map": {"1": "xong"}}'}, "Cấu hình nguồn JSON không hợp lệ"),
    ],
)
def test_bad_input_is_a_vietnamese_error_on_the_page_and_nothing_is_saved(
    client: TestClient, app: FastAPI, admin: Member, fields: dict[str, str], message: str
) -> None:
    csrf = login(client, admin)
    form = _form(csrf, base_url="https://a.gov.vn", group_id="1", password="khong-duoc-hien-9") | fields
    response = client.post(PAGE, data=form)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("text/html") and 'role="alert"' in response.text
    assert message in response.text and "khong-duoc-hien-9" not in response.text
    assert _csrf(response.text)  # the page again, with its form
    assert _row(app) is None


def test_the_connection_check_says_whether_the_source_answered(
    client: TestClient, admin: Member, opencps: tuple[FakeOpenCps, str]
) -> None:
    fake, url = opencps
    csrf = login(client, admin)
    checked = client.post(f"{PAGE}/check", data={"csrf_token": csrf})
    assert checked.status_code == 200 and "Nguồn dữ liệu mẫu đã trả lời" in checked.text  # the default demo source
    client.post(PAGE, data=_form(csrf, base_url=url, group_id=GROUP_ID, username=USER, password=PASSWORD))
    checked = client.post(f"{PAGE}/check", data={"csrf_token": csrf})
    assert 'class="flash ok"' in checked.text and "OpenCPS" in checked.text and "đã trả lời" in checked.text
    assert fake.requests[-1] == {"params": {"dossierNo": "XASO-KIEM-TRA-0000", "start": "0", "end": "2"},
                                 "groupId": GROUP_ID}  # fmt: skip
    assert PASSWORD not in checked.text
    client.post(PAGE, data=_form(csrf, base_url=url, group_id=GROUP_ID, password="sai-mat-khau"))
    refused = client.post(f"{PAGE}/check", data={"csrf_token": csrf}).text
    assert "Nguồn KHÔNG trả lời được (HTTP 401" in refused and "kiểm tra tên đăng nhập, mật khẩu" in refused
    assert "sai-mat-khau" not in refused
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there: one attempt, no retry
    client.post(PAGE, data=_form(csrf, base_url=dead, group_id=GROUP_ID))
    down = client.post(f"{PAGE}/check", data={"csrf_token": csrf})
    assert down.status_code == 200 and 'class="flash err"' in down.text and "Nguồn KHÔNG trả lời được" in down.text
    client.post(PAGE, data={"csrf_token": csrf, "kind": "demo"})  # saved switched off
    off = client.post(f"{PAGE}/check", data={"csrf_token": csrf}).text
    assert "Chưa có nguồn hồ sơ nào đang bật" in off
    assert client.post(f"{PAGE}/check", data={}).status_code == 403  # CSRF like every console form


def test_a_slow_source_is_cut_at_the_check_timeout(
    client: TestClient, app: FastAPI, admin: Member, opencps: tuple[FakeOpenCps, str]
) -> None:
    fake, url = opencps
    fake.delay = 3.0
    app.state.settings.dossier_timeout_seconds = 0.5
    csrf = login(client, admin)
    client.post(PAGE, data=_form(csrf, base_url=url, group_id=GROUP_ID, username=USER, password=PASSWORD))
    slow = client.post(f"{PAGE}/check", data={"csrf_token": csrf}).text
    assert "Nguồn KHÔNG trả lời được" in slow and "ReadTimeout" in slow
