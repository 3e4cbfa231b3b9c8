"""``xaso nlu export``: reviewed messages from the review inbox → nlu_data/nlu/reviewed.yml (api/nlu/export.py)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from api.communes.service import get_commune
from api.config import PROJECT_ROOT, get_settings
from api.db import make_engine, make_sessionmaker, transaction, utcnow
from api.errors import DomainError
from api.migrate import upgrade_database
from api.nlu.export import export_reviewed

console = Console()


def export_command(
    data_dir: Path = typer.Option(
        PROJECT_ROOT / "nlu_data", "--data-dir", help="Thư mục dữ liệu NLU (có nlu/, test/)."
    ),
    commune: str | None = typer.Option(None, "--commune", help="Chỉ xuất câu của một xã (mã xã)."),
) -> None:
    """Ghi các câu đã duyệt (xác nhận hoặc sửa) vào dữ liệu huấn luyện, đã ẩn dữ liệu cá nhân và bỏ câu trùng."""
    if not (data_dir / "nlu").is_dir():
        console.print(f"[red]Lỗi:[/red] {data_dir} không có thư mục nlu/.", highlight=False)
        raise typer.Exit(2)
    settings = get_settings()
    upgrade_database(settings.database_url)
    factory = make_sessionmaker(make_engine(settings.database_url))
    try:
        with transaction(factory) as session:
            commune_id = get_commune(session, slug=commune).id if commune else None
            result = export_reviewed(session, data_dir=data_dir, now=utcnow(), commune_id=commune_id)
    except DomainError as exc:
        console.print(f"[red]Lỗi:[/red] {exc.message}", highlight=False)
        raise typer.Exit(2) from exc
    table = Table(title="Xuất câu đã duyệt", show_header=False)
    table.add_row("Câu mới ghi vào dữ liệu", str(len(result.written)))
    table.add_row("Trùng với dữ liệu sẵn có (bỏ qua)", str(result.duplicates))
    table.add_row("Nằm trong tập kiểm thử giữ riêng (không huấn luyện)", str(result.held_out))
    table.add_row("Mâu thuẫn với dữ liệu sẵn có (giữ lại chờ xử lý)", str(len(result.conflicts)))
    table.add_row("Dữ liệu cá nhân đã thay bằng ký hiệu", str(result.replaced))
    console.print(table)
    for intent, example in result.written:
        console.print(f"  + [cyan]{intent}[/cyan]: {example}", highlight=False, markup=False)
    for text, intent, existing in result.conflicts:
        console.print(
            f"  [yellow]![/yellow] «{text}» được duyệt là {intent} nhưng dữ liệu huấn luyện ghi {existing}",
            highlight=False,
        )
    if result.written:
        console.print(
            f"Đã ghi {result.path}. Chạy [bold]xaso train --finetune[/bold] (nhanh, từ mô hình đang dùng) hoặc "
            "[bold]xaso train[/bold] (từ đầu) để huấn luyện và kiểm tra trước khi dùng."
        )
