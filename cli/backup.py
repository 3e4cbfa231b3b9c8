"""``xaso backup`` and ``xaso restore``: a whole installation (database, photos, audio) to a folder and back."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console

from api.config import get_settings
from api.infra.backup import BackupError, create_backup, list_backups
from api.infra.restore import read_manifest, restore_backup
from api.migrate import upgrade_database

console = Console()


def backup(
    to: Path | None = typer.Option(None, "--to", help="Thư mục chứa các bản sao lưu (mặc định: XASO_BACKUP_DIR)"),
    keep: int | None = typer.Option(
        None, "--keep", min=1, help="Giữ bao nhiêu bản mới nhất (mặc định: XASO_BACKUP_KEEP)"
    ),
) -> None:
    """Sao lưu cơ sở dữ liệu (SQLite/PostgreSQL), ảnh và âm thanh phát thanh vào một thư mục có mã kiểm tra."""
    settings = get_settings()
    try:
        result = create_backup(
            database_url=settings.database_url,
            data_dir=Path(settings.data_dir),
            directory=to or Path(settings.backup_dir),
            keep=keep or settings.backup_keep,
        )
    except BackupError as exc:
        console.print(f"[red]Sao lưu thất bại: {exc}[/red]")
        raise typer.Exit(1) from None
    manifest = result.manifest
    console.print(
        f"Đã sao lưu vào [bold]{result.path}[/bold]: cơ sở dữ liệu {manifest['database']['bytes']:,} byte, "
        f"{len(manifest['files'])} tệp ({manifest['file_bytes']:,} byte), {manifest['seconds']['total']} s."
    )
    for old in result.removed:
        console.print(f"Đã xoá bản cũ {old.name}")


def restore(
    folder: Path | None = typer.Argument(
        None, help="Thư mục một bản sao lưu (mặc định: bản mới nhất trong XASO_BACKUP_DIR)"
    ),
    force: bool = typer.Option(False, "--force", help="Xoá dữ liệu đang có ở đích rồi khôi phục"),
    check: bool = typer.Option(False, "--check", help="Chỉ kiểm tra mã SHA-256 của bản sao lưu, không khôi phục"),
) -> None:
    """Khôi phục một bản sao lưu vào bản cài đặt trống (XASO_DATABASE_URL, XASO_DATA_DIR). Dừng cổng API trước."""
    settings = get_settings()
    if folder is None:
        found = list_backups(Path(settings.backup_dir))
        if not found:
            console.print(f"[red]Không có bản sao lưu nào trong {settings.backup_dir}.[/red]")
            raise typer.Exit(1)
        folder = found[-1]
    started = time.perf_counter()
    try:
        if check:
            manifest = read_manifest(folder)
            console.print(f"Bản sao lưu {folder.name} nguyên vẹn: {len(manifest['files'])} tệp đúng mã kiểm tra.")
            return
        result = restore_backup(
            folder=folder, database_url=settings.database_url, data_dir=Path(settings.data_dir), force=force
        )
    except BackupError as exc:
        console.print(f"[red]Khôi phục thất bại: {exc}[/red]")
        raise typer.Exit(1) from None
    upgrade_database(settings.database_url)
    console.print(
        f"Đã khôi phục {folder.name}: {result.tables} bảng, {result.files} tệp, "
        f"{time.perf_counter() - started:.1f} s. Khởi động lại cổng API."
    )
