"""``xaso dossiers``: the demo one-stop dossiers (list them, move one on to see a change notice arrive)."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from sqlalchemy import select

from api.communes.service import get_commune
from api.config import get_settings
from api.db import make_engine, make_sessionmaker, transaction
from api.dossiers.demo import advance_demo
from api.dossiers.jobs import poll_watches, watches_due_now
from api.dossiers.models import DemoDossier
from api.dossiers.statuses import opencps_stage
from api.errors import DomainError

app = typer.Typer(help="Hồ sơ một cửa MẪU (dữ liệu demo).", no_args_is_help=True)
console = Console()


@app.command("demo-list")
def demo_list() -> None:
    """Liệt kê hồ sơ mẫu của xã mặc định và trạng thái hiện tại."""
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            commune = get_commune(session, slug=settings.default_commune)
            for row in session.scalars(select(DemoDossier).where(DemoDossier.commune_id == commune.id)):
                console.print(f"{row.code}  {row.procedure}: {opencps_stage(row.status)[1]} [dim]({row.status})[/dim]")
    finally:
        engine.dispose()


@app.command("demo-advance")
def demo_advance(code: str = typer.Argument(..., help="Mã hồ sơ mẫu, ví dụ 000.00.07.H12-261130-0012")) -> None:
    """Chuyển hồ sơ mẫu sang bước tiếp theo và báo ngay cho người đang theo dõi (qua hộp thư đi)."""
    settings = get_settings()
    engine = make_engine(settings.database_url)
    factory = make_sessionmaker(engine)
    try:
        with transaction(factory) as session:
            commune = get_commune(session, slug=settings.default_commune)
            row = advance_demo(session, commune_id=commune.id, code=code.strip().upper())
            status = row.status
            watches_due_now(session, code=row.code)
        queued = asyncio.run(poll_watches(factory, settings))
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    console.print(f"{code.upper()}: {opencps_stage(status)[1]}. Đã xếp {queued} tin báo thay đổi vào hộp thư đi.")
