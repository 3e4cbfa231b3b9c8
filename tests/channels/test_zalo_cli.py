"""``xaso zalo check`` run as the real command, against the fake Zalo server (the account's API base points at it)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import select

from api.channel_accounts.models import ChannelAccount
from api.db import transaction
from tests.channels.announcing import configure_zalo
from tests.support.fake_zalo import FakeZalo
from tests.support.paths import ROOT

UID = "2468013579246801357"


def xaso(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XASO_DATABASE_URL": database_url, "XASO_DEFAULT_COMMUNE": "xa-demo", "COLUMNS": "200"}
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "xaso"), "zalo", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_sends_a_text_a_button_and_a_file_and_reads_a_profile(
    app: FastAPI, database_url: str, zalo_account: FakeZalo, tmp_path: Path
) -> None:
    zalo_account.profiles[UID] = {"display_name": "Quản trị OA", "avatar": "https://s240-ava-talk.zadn.vn/q.jpg"}
    configure_zalo(app, zns_templates={"case_status": {"template_id": "t1", "params": {"ma": {"type": "code"}}}})
    zalo_account.expire_access_tokens()  # the stored token is stale: the check refreshes and keeps the new pair
    form = tmp_path / "to-khai-khai-sinh.pdf"
    form.write_bytes(b"%PDF-1.4 mau to khai")
    result = xaso(database_url, "--user", UID, "--file", str(form))
    assert result.returncode == 0, result.stdout + result.stderr
    [text, button, document] = zalo_account.sent
    [(token, uploaded)] = zalo_account.files.items()
    assert uploaded == {"name": "to-khai-khai-sinh.pdf", "size": 20}
    assert document["message"]["attachment"] == {"type": "file", "payload": {"token": token}}
    assert text["message"]["text"].startswith("Xã Số: tin kiểm tra")
    assert button["message"]["attachment"]["payload"]["buttons"][0]["type"] == "oa.query.hide"
    assert "template_type" not in button["message"]["attachment"]["payload"]
    assert zalo_account.profile_calls == [UID]
    assert "Quản trị OA" in result.stdout and "ma:code" in result.stdout
    with app.state.sessionmaker() as session:
        account = session.scalar(select(ChannelAccount).where(ChannelAccount.channel == "zalo"))
        assert account is not None and account.refresh_token == "refresh-1"  # the rotated pair was stored


def test_check_reports_what_zalo_refused_and_exits_non_zero(
    app: FastAPI, database_url: str, zalo_account: FakeZalo
) -> None:
    zalo_account.unreachable[UID] = -230
    result = xaso(database_url, "--user", UID, "--api-base", zalo_account.url)
    assert result.returncode == 1
    assert "-230" in result.stdout and "User has not interacted" in result.stdout


def test_check_without_credentials_says_what_is_missing(app: FastAPI, database_url: str) -> None:
    result = xaso(database_url)
    assert result.returncode == 1
    assert "tài khoản Zalo OA của xã" in result.stdout
    with transaction(app.state.sessionmaker) as session:
        from api.channel_accounts.service import upsert_account
        from api.communes.service import get_commune

        commune = get_commune(session, slug="xa-demo")
        upsert_account(session, commune_id=commune.id, channel="zalo", config={"app_id": "123"})
    partial = xaso(database_url)
    assert partial.returncode == 1
    for missing in ("app_secret", "refresh_token", "oa_secret_key", "--user"):
        assert missing in partial.stdout, partial.stdout
