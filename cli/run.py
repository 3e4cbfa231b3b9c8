"""``xaso run``: prepare everything on embedded defaults and start Rasa, actions and the gateway under honcho.

``xaso run --cluster`` (``make run-cluster``) starts the production shape instead: PostgreSQL and Redis (both must be
running; databases are created when missing), two Rasa replicas, the action server and two gateway workers
(cli/cluster.py, Procfile.cluster)."""

from __future__ import annotations

import os
import shutil

import typer
from rich.console import Console
from rich.table import Table

from api.config import PROJECT_ROOT, get_settings
from api.safety.reader import READER
from cli.cluster import ensure_databases, plan_from
from cli.db import prepare_database
from cli.envfile import ensure_env_file
from cli.train import model_is_current, run_training

console = Console()


def run(
    skip_train: bool = typer.Option(False, "--skip-train", help="Không huấn luyện lại dù dữ liệu đã đổi."),
    cluster: bool = typer.Option(
        False,
        "--cluster",
        help="Dạng triển khai thật: PostgreSQL (DATABASE_URL) + Redis (REDIS_URL), 2 Rasa, 2 tiến trình cổng.",
    ),
) -> None:
    """Chuẩn bị (bí mật, CSDL, dữ liệu mẫu, mô hình) rồi khởi động toàn bộ hệ thống. Ctrl-C để dừng."""
    added = ensure_env_file()
    if added:
        console.print(f"Đã tạo bí mật cục bộ trong .env: {', '.join(added)}")
    get_settings.cache_clear()
    settings = get_settings()
    procfile = "Procfile"
    if cluster:
        plan = plan_from(settings.database_url, settings.redis_url)
        os.environ.update(plan.environment())  # read by the settings below and by every process honcho starts
        get_settings.cache_clear()
        settings = get_settings()
        console.print("[bold]0/3[/bold] PostgreSQL và Redis…")
        try:
            created = ensure_databases(plan)
        except Exception as exc:  # the message says which server and why (refused, auth)
            console.print(f"[red]Không kết nối được PostgreSQL ({plan.database_url}):[/red] {exc}")
            raise typer.Exit(2) from None
        console.print(f"    Đã tạo cơ sở dữ liệu: {', '.join(created)}" if created else "    Cơ sở dữ liệu đã có.")
        procfile = "Procfile.cluster"
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
    console.print("    Bộ đọc tin khẩn cấp thứ hai (api/safety/reader.py)…")
    READER.wait()  # trained once per training text, cached under var/safety/: the gateway never waits for it
    console.print("[bold]3/3[/bold] Khởi động các dịch vụ (Ctrl-C để dừng tất cả)")
    console.print(_where_table(settings.public_base_url, settings.default_commune))
    honcho = shutil.which("honcho", path=str(PROJECT_ROOT / ".venv" / "bin")) or shutil.which("honcho")
    if honcho is None:
        console.print("[red]Không tìm thấy honcho.[/red] Chạy [bold]make venvs[/bold].")
        raise typer.Exit(2)
    os.chdir(PROJECT_ROOT)
    os.execv(honcho, [honcho, "start", "-f", procfile, "-e", ".env"])


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
