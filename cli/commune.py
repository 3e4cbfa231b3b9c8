"""``xaso commune``: onboard communes (one, or a whole province from the official list) and the province's officers."""

from __future__ import annotations

import csv
from pathlib import Path

import typer
from rich.console import Console

from api.cases.seed import new_password
from api.communes.service import get_commune
from api.db import transaction
from api.errors import DomainError
from api.province.onboarding import CommuneDraft, create_commune, parse_hamlets, set_hamlets
from api.staff.models import Role
from api.staff.service import create_staff
from api.subscriptions.commands import normalise
from cli.staff import _factory

app = typer.Typer(help="Xã/phường: thêm xã, nhập danh sách ấp, nhập cả tỉnh, tài khoản cấp tỉnh.", no_args_is_help=True)
console = Console()
# The 3,312 commune-level units in force since 01/07/2025 and the former units merged into each, converted from
# underthesea 9.5.0's address data (underthesea/address/data/mapping.json, Apache-2.0, itself built from the
# vietnamadminunits package 1.0.4): scripts/province_units.py rebuilds it. It carries no unit codes.
PROVINCE_LIST = Path(__file__).resolve().parent.parent / "api" / "province" / "data" / "units_2025.csv"


def _province_key(name: str) -> str:
    words = normalise(name).split()
    while words and words[0] in ("tinh", "thanh", "pho"):
        words = words[1:]
    return " ".join(words)


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(";") if part.strip()]


@app.command("create")
def create(
    slug: str = typer.Argument(..., help="Mã xã trong hệ thống, ví dụ: xa-tan-hoa"),
    name: str = typer.Option(..., "--name", help="Tên đầy đủ, ví dụ: UBND xã Tân Hòa"),
    province: str = typer.Option(..., "--province", help="Tỉnh/thành phố, ví dụ: tỉnh Vĩnh Long"),
    code: str | None = typer.Option(None, "--code", help="Mã đơn vị hành chính (5 chữ số)"),
    office_hours: str = typer.Option("", "--office-hours", help="Giờ làm việc"),
    hotline: str = typer.Option("", "--hotline", help="Đường dây nóng"),
    address: str = typer.Option("", "--address", help="Địa chỉ trụ sở"),
    hamlet: list[str] = typer.Option([], "--hamlet", help="Một ấp (lặp lại, hoặc 'Ấp 1;Ấp 2')"),
    hamlets_csv: Path | None = typer.Option(
        None, "--hamlets-csv", exists=True, dir_okay=False, help="CSV danh sách ấp"
    ),
    merged_from: list[str] = typer.Option([], "--merged-from", help="Xã cũ đã sáp nhập (lặp lại)"),
    admin: str | None = typer.Option(None, "--admin", help="Tên đăng nhập quản trị viên đầu tiên"),
    admin_name: str = typer.Option("Quản trị viên", "--admin-name", help="Họ tên quản trị viên"),
    template: str | None = typer.Option(None, "--template", help="Sao chép bộ phận và quy tắc của xã này"),
    zalo_oa: str | None = typer.Option(None, "--zalo-oa", help="OA ID Zalo của xã (nhập khóa sau ở /staff)"),
) -> None:
    """Thêm một xã/phường; mật khẩu một lần của quản trị viên được in ra một lần."""
    names = _split(hamlet) + (parse_hamlets(hamlets_csv.read_text(encoding="utf-8-sig")) if hamlets_csv else [])
    draft = CommuneDraft(
        slug=slug, name=name, province=province, admin_code=code, office_hours=office_hours, hotline=hotline,
        address=address, hamlets=names, former_names=_split(merged_from), admin_login=admin, admin_name=admin_name,
        template=template, zalo_oa_id=zalo_oa,
    )  # fmt: skip
    try:
        with transaction(_factory()) as session:
            done = create_commune(session, draft=draft)
            line = f"Đã thêm [bold]{done.commune.name}[/bold] ({done.commune.slug}), {len(names)} ấp."
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(line)
    if done.admin_login:
        console.print(
            f"Quản trị viên: [bold]{done.admin_login}[/bold] / mật khẩu một lần: [bold]{done.admin_password}[/bold]"
            " (đổi ở lần đăng nhập đầu)"
        )


@app.command("hamlets")
def hamlets(
    slug: str = typer.Argument(..., help="Mã xã"),
    csv_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV hoặc mỗi dòng một ấp"),
) -> None:
    """Thay danh sách ấp của một xã."""
    names = parse_hamlets(csv_file.read_text(encoding="utf-8-sig"))
    try:
        with transaction(_factory()) as session:
            set_hamlets(session, commune=get_commune(session, slug=slug), names=names)
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Đã lưu {len(names)} ấp cho {slug}.")


@app.command("import-province")
def import_province(
    province: str = typer.Argument(..., help="Tên tỉnh/thành phố, ví dụ: 'Vĩnh Long' hoặc 'Cần Thơ'"),
    csv_file: Path = typer.Option(PROVINCE_LIST, "--file", exists=True, dir_okay=False, help="Danh sách đơn vị (CSV)"),
    template: str | None = typer.Option(None, "--template", help="Sao chép bộ phận và quy tắc của xã này"),
) -> None:
    """Nhập cả tỉnh từ danh sách đơn vị hành chính từ 01/07/2025 (cột: province, slug, name, merged_from; tùy chọn
    code, hamlets). Xã đã có (cùng slug) được bỏ qua; cả tỉnh trong một giao dịch."""
    with csv_file.open(encoding="utf-8-sig", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if _province_key(row["province"]) == _province_key(province)]
    if not rows:
        console.print(f"[red]Không có tỉnh '{province}' trong {csv_file.name}.[/red]")
        raise typer.Exit(1)
    added = skipped = 0
    try:
        with transaction(_factory()) as session:
            from api.communes.service import find_commune

            for row in rows:
                if find_commune(session, slug=row["slug"]) is not None:
                    skipped += 1
                    continue
                create_commune(
                    session,
                    draft=CommuneDraft(
                        slug=row["slug"], name=row["name"], province=row["province"],
                        admin_code=row.get("code") or None, hamlets=_split([row.get("hamlets") or ""]),
                        former_names=_split([row.get("merged_from") or ""]), template=template,
                    ),
                )  # fmt: skip
                added += 1
    except DomainError as exc:
        console.print(f"[red]Dòng {added + skipped + 2}: {exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Đã nhập {added} xã/phường, bỏ qua {skipped} đã có.")


@app.command("province-admin")
def province_admin(
    login: str = typer.Argument(..., help="Tên đăng nhập"),
    commune: str = typer.Option(..., "--commune", help="Một xã của tỉnh (xác định tỉnh)"),
    full_name: str = typer.Option("Quản trị cấp tỉnh", "--name", help="Họ tên"),
) -> None:
    """Tạo tài khoản quản trị cấp tỉnh (màn hình /staff/province); mật khẩu một lần in ra một lần."""
    password = new_password()
    try:
        with transaction(_factory()) as session:
            home = get_commune(session, slug=commune)
            create_staff(
                session, commune_id=home.id, login=login, full_name=full_name, password=password,
                role=Role.province_admin, must_change_password=True, province=True,
            )  # fmt: skip
            province = home.province
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Đã tạo quản trị cấp tỉnh [bold]{login}[/bold] ({province}); mật khẩu: [bold]{password}[/bold]")
