"""``xaso run``: prepare everything on embedded defaults and start Rasa, actions and the gateway under honcho."""

from __future__ import annotations

import os
import shutil

import typer
from rich.console import Console
from rich.table import Table

from api.config import PROJECT_ROOT, get_settings
from cli.db import prepare_database
from cli.envfile import ensure_env_file
from cli.train import model_is_current, run_training

console = Console()


def run(
    skip_train: bool = typer.Option(False, "--skip-train", help="Không huấn luyện lại dù dữ liệu đã đổi."),
) -> None:
    """Chuẩn bị (bí mật, CSDL, dữ liệu mẫu, mô hình) rồi khởi động toàn bộ hệ thống. Ctrl-C để dừng."""
    added = ensure_env_file()
    if added:
        console.print(f"Đã tạo bí mật cục bộ trong .env: {', '.join(added)}")
    get_settings.cache_clear()
    settings = get_settings()
    console.print("[bold]1/3[/bold] Cơ sở dữ liệu…")
    for line in prepare_database():
        console.print(f"    {line}")
    console.print("[bold]2/3[/bold] Mô hình Rasa…")
    if model_is_current():
        console.print("    Mô hình đã mới nhất, bỏ qua huấn luyện.")
    elif skip_train:
        console.print("    [yellow]Dữ liệu đã đổi nhưng bỏ qua huấn luyện (--skip-train).[/yellow]")
    else:
        run_training()
    console.print("[bold]3/3[/bold] Khởi động các dịch vụ (Ctrl-C để dừng tất cả)")
    console.print(_where_table(settings.public_base_url, settings.default_commune))
    honcho = shutil.which("honcho", path=str(PROJECT_ROOT / ".venv" / "bin")) or shutil.which("honcho")
    if honcho is None:
        console.print("[red]Không tìm thấy honcho.[/red] Chạy [bold]make venvs[/bold].")
        raise typer.Exit(2)
    os.chdir(PROJECT_ROOT)
    os.execv(honcho, [honcho, "start", "-f", "Procfile", "-e", ".env"])


def _where_table(base_url: str, commune: str) -> Table:
    table = Table(title="Xã Số đang chạy ở", show_header=True)
    table.add_column("Thành phần")
    table.add_column("Địa chỉ")
    rows = [
        ("Trang chủ + khung chat", f"{base_url}/"),
        ("Bảng điều khiển cán bộ", f"{base_url}/staff"),
        ("Tài liệu API (OpenAPI)", f"{base_url}/docs"),
        ("Trạng thái", f"{base_url}/health"),
        ("Phân tích câu (NLU)", f"POST {base_url}/api/v1/nlu/parse"),
        ("Rasa (có token)", "http://127.0.0.1:5005"),
        ("Máy chủ action", "http://127.0.0.1:5055"),
        ("Xã mặc định", commune),
    ]
    for name, where in rows:
        table.add_row(name, where)
    return table
