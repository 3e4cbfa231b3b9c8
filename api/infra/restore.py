"""Restoring a backup (api/infra/backup.py) into an empty installation: every checksum is verified before anything is
written, a database or data folder that already holds something is refused unless ``force`` is given (then it is
emptied first) (the caller, cli/backup.py, then upgrades the schema: a backup may predate today's code)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from api.db import make_engine
from api.infra.backup import (
    DATA_FOLDERS,
    FORMAT,
    MANIFEST,
    BackupError,
    backend,
    libpq,
    run_pg,
    sha256,
    sqlite_path,
)


@dataclass(frozen=True)
class RestoreResult:
    tables: int
    files: int


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a whole backup, every checksum verified; raises BackupError naming the first mismatch."""
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} không phải bản sao lưu hoàn chỉnh (thiếu {MANIFEST}).")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Định dạng sao lưu {manifest.get('format')!r} không được hỗ trợ.")
    database = manifest["database"]
    checks = [(folder / database["file"], database["sha256"])]
    checks += [(folder / "files" / f["path"], f["sha256"]) for f in manifest["files"]]
    for file, expected in checks:
        if not file.is_file():
            raise BackupError(f"Bản sao lưu thiếu tệp {file.relative_to(folder)}.")
        if sha256(file) != expected:
            raise BackupError(f"Tệp {file.relative_to(folder)} hỏng (sai mã kiểm tra SHA-256).")
    return manifest


def _tables(database_url: str) -> list[str]:
    if backend(database_url) == "sqlite" and not sqlite_path(database_url).exists():
        return []
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def _data_files(data_dir: Path) -> list[Path]:
    return [p for folder in DATA_FOLDERS for p in (data_dir / folder).rglob("*") if p.is_file()]


def _empty_database(database_url: str) -> None:
    if backend(database_url) == "sqlite":
        path = sqlite_path(database_url)
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            file.unlink(missing_ok=True)
        return
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def restore_backup(*, folder: Path, database_url: str, data_dir: Path, force: bool = False) -> RestoreResult:
    manifest = read_manifest(folder)
    kind = backend(database_url)
    if manifest["database"]["backend"] != kind:
        raise BackupError(
            f"Bản sao lưu là {manifest['database']['backend']}, cơ sở dữ liệu đích là {kind}: "
            "hãy khôi phục vào cùng loại cơ sở dữ liệu."
        )
    tables, files = _tables(database_url), _data_files(data_dir)
    if (tables or files) and not force:
        raise BackupError(
            f"Bản cài đặt đích không trống ({len(tables)} bảng, {len(files)} tệp dữ liệu): "
            "khôi phục chỉ vào bản cài đặt trống, hoặc thêm --force để xoá dữ liệu hiện có."
        )
    if tables:
        _empty_database(database_url)
    for folder_name in DATA_FOLDERS:
        shutil.rmtree(data_dir / folder_name, ignore_errors=True)

    dump = folder / manifest["database"]["file"]
    if kind == "sqlite":
        target = sqlite_path(database_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        source, copy = sqlite3.connect(dump), sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        url, env = libpq(database_url)
        run_pg(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", url, str(dump)], env)

    for entry in manifest["files"]:
        destination = data_dir / entry["path"]
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / "files" / entry["path"], destination)
    return RestoreResult(tables=len(_tables(database_url)), files=len(manifest["files"]))
