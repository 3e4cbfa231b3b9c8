"""Backup and restore times (RPO/RTO, issue 26) for a realistic installation: a year of a busy commune.

Each backend gets a fresh database, migrated and seeded, then bulk-loaded with SQL: 100,000 cases
(benchmarks/cases_data.py), 100,000 inbound messages and 150,000 outbound ones; the data folder gets 2,000 photos of
~150 KB and 200 bulletin audio files of ~700 KB (random bytes: they do not compress, like JPEG and MP3). Then the
commands operators run, as subprocesses: `xaso backup`, `xaso restore` into a fresh database and folder (schema
upgrade included). Prints and writes benchmarks/results/backup.json; the README quotes it.

    .venv/bin/python benchmarks/bench_backup.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.communes.models import Commune  # noqa: E402
from api.db import make_engine  # noqa: E402
from api.inbox_events.models import InboxEvent  # noqa: E402
from api.outbox.models import OutboxMessage  # noqa: E402
from benchmarks.cases_data import bulk_load  # noqa: E402

PG_URL = os.environ.get("XASO_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CASES, INBOUND, OUTBOUND = 100_000, 100_000, 150_000
PHOTOS, PHOTO_BYTES = 2_000, 150_000
AUDIO, AUDIO_BYTES = 200, 700_000
console = Console()


def load_messages(url: str) -> None:
    engine = make_engine(url)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        commune_id = connection.scalar(select(Commune.id).where(Commune.slug == "xa-demo"))
        for chunk in range(0, INBOUND, 10_000):
            connection.execute(
                insert(InboxEvent),
                [
                    {
                        "commune_id": commune_id, "channel": "zalo", "event_id": f"m{n}",
                        "conversation_id": f"zalo:xa-demo:{n % 3000}", "status": "processed", "attempts": 1,
                        "raw": json.dumps({"event_name": "user_send_text", "message": {"msg_id": f"m{n}",
                                           "text": f"Cho em hỏi thủ tục đăng ký khai sinh cho con, số {n}"}}),
                        "received_at": start + timedelta(minutes=5 * n), "next_attempt_at": start,
                        "busy_notified": False, "failures": 0, "priority": 0,
                    }
                    for n in range(chunk, min(chunk + 10_000, INBOUND))
                ],
            )  # fmt: skip
        for chunk in range(0, OUTBOUND, 10_000):
            connection.execute(
                insert(OutboxMessage),
                [
                    {
                        "commune_id": commune_id, "conversation_id": f"zalo:xa-demo:{n % 3000}", "channel": "zalo",
                        "kind": "reply", "status": "sent", "attempts": 1, "parts_sent": 1, "priority": 0,
                        "text": "Dạ, để đăng ký khai sinh anh/chị cần tờ khai, giấy chứng sinh và giấy tờ tùy thân.",
                        "created_at": start + timedelta(minutes=3 * n), "next_attempt_at": start,
                    }
                    for n in range(chunk, min(chunk + 10_000, OUTBOUND))
                ],
            )  # fmt: skip
    engine.dispose()


def fill_files(data_dir: Path) -> int:
    total = 0
    for _ in range(PHOTOS):
        folder = data_dir / "uploads" / "1"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{uuid.uuid4().hex}.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(PHOTO_BYTES))
        total += PHOTO_BYTES
    for n in range(AUDIO):
        folder = data_dir / "broadcast" / "xa-demo"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"bulletin-{n}-{uuid.uuid4().hex[:16]}.mp3").write_bytes(os.urandom(AUDIO_BYTES))
        total += AUDIO_BYTES
    return total


def xaso(*args: str, url: str, data_dir: Path, backups: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XASO_DATABASE_URL": url, "XASO_DATA_DIR": str(data_dir),
           "XASO_BACKUP_DIR": str(backups)}  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run([str(ROOT / ".venv/bin/xaso"), *args], env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"xaso {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def pg_database() -> tuple[str, str] | None:
    name = f"xaso_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:
        console.print(f"[yellow]PostgreSQL unavailable ({type(exc).__name__}); SQLite only.[/yellow]")
        return None
    return name, make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop(name: str) -> None:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="xaso-bench-backup-"))
    results: dict[str, Any] = {
        "cases": CASES, "inbound": INBOUND, "outbound": OUTBOUND, "photos": PHOTOS, "audio_files": AUDIO,
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
    }  # fmt: skip
    created: list[str] = []
    try:
        data_dir = work / "data"
        results["file_bytes"] = fill_files(data_dir)
        backends = {"sqlite": (f"sqlite:///{work / 'xaso.db'}", f"sqlite:///{work / 'restored.db'}")}
        source, target = pg_database(), pg_database()
        if source and target:
            created += [source[0], target[0]]
            backends["postgresql"] = (source[1], target[1])
        for backend, (url, fresh) in backends.items():
            console.print(f"{backend}: nạp dữ liệu…")
            bulk_load(url, CASES)
            load_messages(url)
            backups = work / f"backups-{backend}"
            backup_s = xaso("backup", url=url, data_dir=data_dir, backups=backups)
            [folder] = list(backups.iterdir())
            manifest = json.loads((folder / "manifest.json").read_text())
            restore_s = xaso("restore", str(folder), url=fresh, data_dir=work / f"restored-{backend}", backups=backups)
            results[backend] = {
                "database_bytes": manifest["database"]["bytes"],
                "backup_s": round(backup_s, 1),
                "backup_database_s": manifest["seconds"]["database"],
                "restore_s": round(restore_s, 1),
            }
            console.print(f"{backend}: {results[backend]}")
    finally:
        for name in created:
            drop(name)
        shutil.rmtree(work, ignore_errors=True)
    results["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "backup.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    console.print(results)
    return results


if __name__ == "__main__":
    main()
