"""``xaso db``: migrate and seed the database."""

from __future__ import annotations

import typer
from rich.console import Console

from api.config import get_settings
from api.db import make_engine, make_sessionmaker, transaction
from api.migrate import upgrade_database
from api.seed import seed_all

app = typer.Typer(help="Cơ sở dữ liệu: nâng cấp lược đồ, tạo dữ liệu mẫu.", no_args_is_help=True)
console = Console()


def prepare_database() -> list[str]:
    """Upgrade the schema to the head and seed the demo commune; returns what the seed has to say."""
    settings = get_settings()
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            return seed_all(session, slug=settings.default_commune, demo_province=True)
    finally:
        engine.dispose()


@app.command("upgrade")
def upgrade() -> None:
    """Nâng cấp lược đồ cơ sở dữ liệu lên phiên bản mới nhất (Alembic)."""
    upgrade_database(get_settings().database_url)
    console.print("[green]Đã nâng cấp cơ sở dữ liệu.[/green]")


@app.command("seed")
def seed() -> None:
    """Tạo xã mẫu và tài khoản quản trị đầu tiên (không ghi đè dữ liệu có sẵn)."""
    for line in prepare_database():
        console.print(line)
