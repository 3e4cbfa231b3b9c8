"""Backups: the database (SQLite's online backup API, or ``pg_dump``) and the files staff and citizens gave us
(photos, broadcast audio, reviewed NLU exports), into one timestamped folder with a manifest of checksums.

Order matters: the database first, then the files. A file is written before the row that names it is committed
(api/cases/uploads.py), so every file a backed-up row points at exists when the folders are copied afterwards; a
file copied without a row is harmless. A backup is written under ``<name>.partial`` and renamed when complete, so a
folder without that suffix always holds a whole backup; rotation keeps the newest ``keep`` whole ones and removes
leftovers of interrupted runs. ``restore_backup`` (api/infra/restore.py) reads the manifest back.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

MANIFEST = "manifest.json"
FORMAT = 1
# The data folder's contents worth keeping; safety/ (a cache rebuilt from the training text) and cluster/ (pid files,
# logs) are not.
DATA_FOLDERS = ("uploads", "broadcast", "nlu")
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
PREFIX = "xaso-"
PARTIAL = ".partial"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message names what to fix."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    removed: list[Path]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backend(database_url: str) -> str:
    name = make_url(database_url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Không sao lưu được cơ sở dữ liệu loại '{name}' (chỉ SQLite và PostgreSQL).")
    return name


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.")
    return Path(database)


def libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """(a libpq URL without the password, the environment carrying it): the password never shows in ``ps``."""
    url: URL = make_url(database_url)
    env = {**os.environ}
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def run_pg(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"Không tìm thấy '{command[0]}': cài gói postgresql-client cùng phiên bản với máy chủ.")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} thất bại ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _dump_database(database_url: str, target: Path) -> dict[str, Any]:
    kind = backend(database_url)
    if kind == "sqlite":
        source_path = sqlite_path(database_url)
        if not source_path.is_file():
            raise BackupError(f"Không có tệp cơ sở dữ liệu {source_path}.")
        out = target / SQLITE_FILE
        # The online backup API copies a consistent snapshot while the gateway keeps writing (WAL included).
        source = sqlite3.connect(source_path, timeout=30)
        copy = sqlite3.connect(out)
        try:
            source.backup(copy, pages=4096)
        finally:
            copy.close()
            source.close()
    else:
        out = target / PG_FILE
        url, env = libpq(database_url)
        # One repeatable-read snapshot; custom format (compressed, restored by pg_restore); no owners or grants, so
        # it restores into a database owned by another role.
        run_pg(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(out), url], env)
    return {"backend": kind, "file": out.name, "bytes": out.stat().st_size, "sha256": sha256(out)}


def _copy_files(data_dir: Path, target: Path) -> list[dict[str, Any]]:
    files: list[dict[str, Any]] = []
    for folder in DATA_FOLDERS:
        root = data_dir / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.is_symlink():
                continue
            relative = path.relative_to(data_dir)
            destination = target / "files" / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copy2(path, destination)
            except FileNotFoundError:  # deleted meanwhile (retention): its row is gone or going too
                continue
            files.append(
                {"path": relative.as_posix(), "bytes": destination.stat().st_size, "sha256": sha256(destination)}
            )
    return files


def list_backups(directory: Path) -> list[Path]:
    """Whole backups (a manifest, no ``.partial`` suffix), oldest first."""
    if not directory.is_dir():
        return []
    found = [
        p
        for p in directory.iterdir()
        if p.is_dir() and p.name.startswith(PREFIX) and not p.name.endswith(PARTIAL) and (p / MANIFEST).is_file()
    ]
    return sorted(found, key=lambda p: p.name)


def rotate(directory: Path, *, keep: int) -> list[Path]:
    """Remove whole backups beyond the newest ``keep`` and any leftover ``.partial`` folder."""
    removed: list[Path] = []
    for leftover in directory.glob(f"{PREFIX}*{PARTIAL}"):
        shutil.rmtree(leftover, ignore_errors=True)
        removed.append(leftover)
    whole = list_backups(directory)
    for old in whole[: max(0, len(whole) - keep)]:
        shutil.rmtree(old)
        removed.append(old)
    return removed


def create_backup(
    *, database_url: str, data_dir: Path, directory: Path, keep: int, now: datetime | None = None
) -> BackupResult:
    """One whole backup into ``directory``, then rotation; raises BackupError (nothing half-written stays)."""
    if keep < 1:
        raise BackupError("Cần giữ ít nhất 1 bản sao lưu (--keep >= 1).")
    now = now or datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{PREFIX}{now.strftime('%Y%m%dT%H%M%S')}{now.microsecond // 1000:03d}Z"
    partial = directory / f"{name}{PARTIAL}"
    partial.mkdir()
    started = time.perf_counter()
    try:
        database = _dump_database(database_url, partial)
        database_seconds = time.perf_counter() - started
        files = _copy_files(data_dir, partial)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "database": database,
            "files": files,
            "file_bytes": sum(f["bytes"] for f in files),
            "seconds": {"database": round(database_seconds, 3), "total": round(time.perf_counter() - started, 3)},
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        final = directory / name
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupResult(final, manifest, rotate(directory, keep=keep))
