"""@mentions in internal notes: the named officer gets a badge count in live.json and the note in "Nhắc đến tôi";
opening it marks it seen. Unknown logins, other communes, read-only accounts and the author are not notified."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from api.mentions.service import mentioned_logins
from tests.api.cases.conftest import Member
from tests.console.test_console_http import _csrf, login


def test_logins_are_found_where_people_write_them() -> None:
    text = "@lan.nt xem giúp, cc @Binh.TV. Email a@b.vn không tính; (@an-le)"
    assert mentioned_logins(text) == {"lan.nt", "binh.tv", "an-le"}
    assert mentioned_logins("không nhắc ai") == set()


def test_a_mention_notifies_the_officer_until_seen(
    client: TestClient,
    app: Any,
    make_staff: Callable[..., Member],
    file_case: Callable[..., dict[str, Any]],
    other_commune: str,
) -> None:
    author = make_staff("officer", department="dia_chinh")
    colleague = make_staff("officer")
    viewer = make_staff("viewer")
    stranger = make_staff("officer", commune=other_commune)
    code = file_case()["code"]
    csrf = login(client, author)
    note = f"@{colleague.login} xem giúp ổ gà này; @{viewer.login} @{stranger.login} @{author.login} @khong.co"
    added = client.post(f"/staff/cases/{code}/note", data={"csrf_token": csrf, "text": note}, follow_redirects=False)
    assert added.status_code == 303
    assert client.get("/staff/live.json").json()["mentions"] == 0  # the author is not notified
    for other in (viewer, stranger):
        client.cookies.clear()
        login(client, other)
        assert client.get("/staff/live.json").json()["mentions"] == 0
    client.cookies.clear()
    login(client, colleague)
    assert client.get("/staff/live.json").json()["mentions"] == 1
    page = client.get("/staff/mentions")
    assert page.status_code == 200 and f'data-testid="mention-{code}"' in page.text and "xem giúp ổ gà" in page.text
    assert 'data-badge="mentions"' in page.text and 'href="/staff/mentions"' in page.text
    csrf = _csrf(page.text)
    assert client.post(f"/staff/mentions/{code}/open", data={"csrf_token": "x"}).status_code == 403
    opened = client.post(f"/staff/mentions/{code}/open", data={"csrf_token": csrf}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/staff/cases/{code}"
    assert client.get("/staff/live.json").json()["mentions"] == 0
    assert re.search(r'class="seen" data-testid="mention-', client.get("/staff/mentions").text)
