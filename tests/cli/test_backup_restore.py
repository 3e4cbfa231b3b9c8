"""The restore drill (issue 26): `xaso backup` run as operators run it while citizens' messages, photos and reports
keep flowing into a running gateway, then `xaso restore` into a fresh database and data folder; every case, message
and file acknowledged before the backup started is found again, on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, select, text

from api.cases.models import Case
from api.inbox_events.models import InboxEvent
from api.infra.backup import MANIFEST, PARTIAL, PREFIX, BackupError, create_backup, list_backups, rotate
from api.infra.restore import read_manifest, restore_backup
from tests.security.conftest import file_report, start_gateway
from tests.support import database
from tests.support.gateway_fixtures import Templates
from tests.support.paths import ROOT
from tests.support.processes import WEB_BUDGETS_OFF

XASO = str(ROOT / ".venv" / "bin" / "xaso")
# A tiny but real PNG signature: the upload path checks content, not names.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def xaso(*args: str, database_url: str, data_dir: Path, backup_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "XASO_DATABASE_URL": database_url,
        "XASO_DATA_DIR": str(data_dir),
        "XASO_BACKUP_DIR": str(backup_dir),
        "COLUMNS": "200",
    }
    return subprocess.run([XASO, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)


class Traffic:
    """Citizens writing to the web channel (a photo with every third message) and reports filed, all the while."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.messages: list[tuple[str, str]] = []  # (event_id, text), acknowledged
        self.files: dict[str, str] = {}  # upload URL -> sha256 of what was sent
        self.cases: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.errors: list[str] = []

    def one(self, http: httpx.Client, n: int) -> None:
        sender = f"drill{n % 7:02d}{uuid.uuid4().hex[:6]}"
        message_id = f"m{n}"
        body = {
            "sender": sender,
            "message": f"Tin nhắn số {n}: đèn đường ấp 3 bị hỏng",
            "metadata": {"message_id": message_id},
        }
        response = http.post("/webhooks/web", json=body)
        if response.status_code != 200:
            self.errors.append(response.text)
            return
        self.messages.append((f"{sender}:{message_id}", body["message"]))
        if n % 3 == 0:
            data = PNG + os.urandom(512)
            uploaded = http.post(
                "/webhooks/web/uploads", data={"sender": sender}, files={"file": ("a.png", data, "image/png")}
            )
            if uploaded.status_code != 201:
                self.errors.append(uploaded.text)
                return
            self.files[uploaded.json()["url"]] = hashlib.sha256(data).hexdigest()
        if n % 4 == 0:
            self.cases.append(file_report(self.base_url, title=f"Phản ánh số {n}")["code"])

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as http:
            n = 10_000
            while not self._stop.wait(0.05):  # a busy commune's pace, leaving the machine to the backup
                self.one(http, n)
                n += 1

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def snapshot(self) -> tuple[list[tuple[str, str]], dict[str, str], list[str]]:
        return list(self.messages), dict(self.files), list(self.cases)


@pytest.fixture
def fresh_database(db_backend: Templates, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind: nothing migrated, nothing seeded."""
    if db_backend.backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"xaso_restore_{uuid.uuid4().hex[:10]}"
    with database._admin_connection() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # type: ignore[attr-defined]
    try:
        yield database._database_url(name)
    finally:
        database.postgres_drop(name)


@pytest.mark.slow
def test_backup_while_messages_flow_restores_every_case_message_and_file(
    app: FastAPI, database_url: str, fresh_database: str, tmp_path: Path
) -> None:
    gateway = start_gateway(database_url, tmp_path, **WEB_BUDGETS_OFF)  # many citizens from one loopback address
    data_dir, backups = tmp_path / "data", tmp_path / "backups"
    traffic = Traffic(gateway.url)
    try:
        with httpx.Client(base_url=gateway.url, timeout=30) as http:
            for n in range(24):  # what the commune had before the night's backup
                traffic.one(http, n)
        traffic.start()
        before = traffic.snapshot()
        done = xaso("backup", "--keep", "3", database_url=database_url, data_dir=data_dir, backup_dir=backups)
        during = len(traffic.messages) - len(before[0])
    finally:
        traffic.stop()
        gateway.stop()
    assert done.returncode == 0, done.stdout + done.stderr
    assert not traffic.errors, traffic.errors[:3]
    assert during > 0, "no message arrived while the backup ran: the drill did not test a busy gateway"
    [folder] = list_backups(backups)

    restored_data = tmp_path / "restored-data"
    done = xaso("restore", str(folder), database_url=fresh_database, data_dir=restored_data, backup_dir=backups)
    assert done.returncode == 0, done.stdout + done.stderr

    messages, files, cases = before
    assert len(cases) >= 6 and len(files) >= 8
    engine = create_engine(fresh_database)
    try:
        with engine.connect() as connection:
            events = dict(connection.execute(select(InboxEvent.event_id, InboxEvent.raw)).all())
            codes = set(connection.scalars(select(Case.code)))
    finally:
        engine.dispose()
    missing = [event_id for event_id, _text in messages if event_id not in events]
    assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {missing[:3]}"
    assert all(json.loads(events[event_id])["message"] == text_ for event_id, text_ in messages)
    assert set(cases) <= codes, sorted(set(cases) - codes)[:5]
    for url, digest in files.items():
        commune_id, name = url.split("/")[-2:]
        restored = restored_data / "uploads" / commune_id / name
        assert restored.is_file(), f"photo {url} lost"
        assert hashlib.sha256(restored.read_bytes()).hexdigest() == digest

    # A second restore onto what is now a used installation is refused, and leaves it as it was.
    with pytest.raises(BackupError, match="không trống"):
        restore_backup(folder=folder, database_url=fresh_database, data_dir=restored_data)


def test_a_damaged_backup_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    source = tmp_path / "source.db"
    with sqlite3.connect(source) as connection:
        connection.execute("CREATE TABLE cases (code TEXT)")
    data_dir, backups = tmp_path / "data", tmp_path / "backups"
    photo = data_dir / "uploads" / "1" / f"{'a' * 32}.png"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(PNG)
    result = create_backup(database_url=f"sqlite:///{source}", data_dir=data_dir, directory=backups, keep=2)
    assert [f["path"] for f in read_manifest(result.path)["files"]] == [f"uploads/1/{'a' * 32}.png"]
    (result.path / "files" / "uploads" / "1" / photo.name).write_bytes(PNG + b"x")
    target, target_db = tmp_path / "target", tmp_path / "target.db"
    with pytest.raises(BackupError, match="SHA-256"):
        restore_backup(folder=result.path, database_url=f"sqlite:///{target_db}", data_dir=target, force=True)
    assert not target_db.exists() and not target.exists()


def test_rotation_keeps_the_newest_whole_backups_and_clears_interrupted_ones(tmp_path: Path) -> None:
    for stamp in ("20261201T000000000Z", "20261202T000000000Z", "20261203T000000000Z"):
        (tmp_path / f"{PREFIX}{stamp}").mkdir()
        (tmp_path / f"{PREFIX}{stamp}" / MANIFEST).write_text("{}")
    (tmp_path / f"{PREFIX}20261204T000000000Z{PARTIAL}").mkdir()  # a run killed half-way
    (tmp_path / "notes").mkdir()  # not ours: never touched
    removed = rotate(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{PREFIX}20261202T000000000Z", f"{PREFIX}20261203T000000000Z", "notes"]
    )
    assert len(removed) == 2
