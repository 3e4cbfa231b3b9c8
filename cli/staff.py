"""``xaso staff``: staff accounts from the command line (first admin, password resets, listing)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from api.cases.seed import new_password
from api.communes.service import get_commune
from api.config import get_settings
from api.db import make_engine, make_sessionmaker, transaction
from api.errors import DomainError
from api.migrate import upgrade_database
from api.staff.models import Role
from api.staff.passwords import check_password_policy
from api.staff.service import create_staff, find_staff_by_login, list_staff, update_staff

app = typer.Typer(help="Tài khoản cán bộ: tạo quản trị viên, đặt lại mật khẩu, liệt kê.", no_args_is_help=True)
console = Console()


def _factory() -> sessionmaker[Session]:
    settings = get_settings()
    upgrade_database(settings.database_url)
    return make_sessionmaker(make_engine(settings.database_url))


@app.command("create-admin")
def create_admin(
    login: str = typer.Argument(..., help="Tên đăng nhập"),
    commune: str | None = typer.Option(None, "--commune", help="Mã xã (mặc định: XASO_DEFAULT_COMMUNE)"),
    full_name: str = typer.Option("Quản trị viên", "--name", help="Họ tên"),
) -> None:
    """Tạo tài khoản quản trị cho một xã; mật khẩu ngẫu nhiên được in ra một lần."""
    password = new_password()
    try:
        with transaction(_factory()) as session:
            target = get_commune(session, slug=commune or get_settings().default_commune)
            create_staff(
                session,
                commune_id=target.id,
                login=login,
                full_name=full_name,
                password=password,
                role=Role.admin,
                must_change_password=True,
            )
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Đã tạo quản trị viên [bold]{login}[/bold] ({target.slug}); mật khẩu: [bold]{password}[/bold]")


@app.command("reset-password")
def reset_password(
    login: str = typer.Argument(..., help="Tên đăng nhập"),
    password: str | None = typer.Option(None, "--password", help="Mật khẩu mới (mặc định: sinh ngẫu nhiên)"),
) -> None:
    """Đặt lại mật khẩu (thu hồi mọi phiên và mã truy cập của tài khoản)."""
    new = password or new_password()
    try:
        check_password_policy(new, user_inputs=(login,))
        with transaction(_factory()) as session:
            staff = find_staff_by_login(session, login=login)
            if staff is None:
                console.print(f"[red]Không có tài khoản '{login}'.[/red]")
                raise typer.Exit(1)
            update_staff(session, actor=staff, staff=staff, password=new, is_active=True)
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Đã đặt lại mật khẩu cho [bold]{login}[/bold]: [bold]{new}[/bold]")


@app.command("list")
def list_accounts(commune: str | None = typer.Option(None, "--commune", help="Mã xã")) -> None:
    """Liệt kê cán bộ của một xã."""
    with transaction(_factory()) as session:
        target = get_commune(session, slug=commune or get_settings().default_commune)
        table = Table(title=f"Cán bộ {target.name}")
        for column in ("Đăng nhập", "Họ tên", "Vai trò", "Bộ phận", "Hoạt động"):
            table.add_column(column)
        for staff in list_staff(session, commune_id=target.id):
            table.add_row(
                staff.login,
                staff.full_name,
                staff.role_label,
                staff.department.name if staff.department else "",
                "có" if staff.is_active else "khóa",
            )
    console.print(table)
