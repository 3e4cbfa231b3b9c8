"""``xaso zalo check``: the operator's first real connection to an OA — one text, one button message and one profile
read, with the commune's stored credentials, each outcome printed with Zalo's own code and message."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from api.channel_accounts.service import DatabaseTokenStore, credentials_for
from api.communes.service import get_commune
from api.config import get_settings
from api.db import make_engine, make_sessionmaker
from api.errors import NotFound
from api.migrate import upgrade_database
from channels.base import Credentials, DeliveryError, OutboundMessage
from channels.zalo.client import ZaloClient
from channels.zalo.connector import ZaloChannel
from channels.zalo.zns import TemplateConfigError, params_of

app = typer.Typer(help="Kênh Zalo OA: kiểm tra kết nối với OA thật.", no_args_is_help=True)
console = Console()

CHECK_TEXT = "Xã Số: tin kiểm tra kết nối Zalo OA (tin văn bản). Xin bỏ qua tin này."
CHECK_BUTTON_TEXT = "Xã Số: tin kiểm tra nút bấm. Bấm nút dưới đây nếu bạn thấy nó."
CHECK_BUTTON = {"title": "Tôi thấy nút này", "payload": "Tôi thấy nút kiểm tra"}


def _sessions() -> sessionmaker[Session]:
    settings = get_settings()
    upgrade_database(settings.database_url)
    return make_sessionmaker(make_engine(settings.database_url))


def _load(factory: sessionmaker[Session], slug: str) -> Credentials | None:
    with factory() as session:
        try:
            commune = get_commune(session, slug=slug)
        except NotFound:
            console.print(f"[red]Không có xã '{slug}'.[/red]")
            raise typer.Exit(1) from None
        return credentials_for(session, commune_id=commune.id, commune_slug=slug, channel="zalo")


def missing(credentials: Credentials | None, user: str | None) -> list[str]:
    """What the check cannot run without, in the words an operator acts on."""
    if credentials is None:
        return ["tài khoản Zalo OA của xã (chưa kết nối, hoặc đang tắt)"]
    lacks = []
    if not credentials.config.get("app_id"):
        lacks.append("app_id (mã ứng dụng Zalo, trong cấu hình tài khoản)")
    if not credentials.secrets.get("app_secret"):
        lacks.append("app_secret (khóa bí mật của ứng dụng, dùng để làm mới mã truy cập)")
    if not credentials.access_token and not credentials.refresh_token:
        lacks.append("access_token hoặc refresh_token (cấp khi quản trị viên OA đồng ý cho ứng dụng)")
    signing = str(credentials.config.get("signature_key") or "oa_secret_key")
    if not credentials.secrets.get(signing):
        lacks.append(f"{signing} (khóa dùng để kiểm chữ ký webhook)")
    if not user:
        lacks.append("--user <user_id Zalo>: người nhận tin kiểm tra, đã nhắn cho OA trong 7 ngày qua")
    return lacks


async def _run(
    credentials: Credentials, factory: sessionmaker[Session], user: str, document: tuple[str, bytes] | None = None
) -> bool:
    channel = ZaloChannel()
    ok = True
    async with httpx.AsyncClient(timeout=20) as http:
        client = ZaloClient(http, credentials, DatabaseTokenStore(factory))
        button = channel.parts(
            OutboundMessage(conversation_id="", recipient=user, text=CHECK_BUTTON_TEXT, buttons=(CHECK_BUTTON,))
        )[-1]
        steps = [
            ("Tin văn bản", client.send_cs({"recipient": {"user_id": user}, "message": {"text": CHECK_TEXT}})),
            ("Tin có nút bấm", client.send_cs(button)),
        ]
        for label, call in steps:
            try:
                message_id = await call
                console.print(f"[green]✓ {label}[/green]: Zalo nhận, message_id={message_id}")
            except DeliveryError as exc:
                ok = False
                console.print(f"[red]✗ {label}[/red]: {exc.reason}")
        if document is not None:
            name, content = document
            try:
                message_id = await client.send_file(user, name=name, content=content)
                console.print(f"[green]✓ Tệp {name}[/green]: Zalo nhận, message_id={message_id}")
            except DeliveryError as exc:
                ok = False
                console.print(f"[red]✗ Tệp {name}[/red]: {exc.reason}")
        try:
            profile = await client.user_detail(user)
            if profile is None:
                console.print("[yellow]? Hồ sơ người dùng[/yellow]: Zalo không trả tên hiển thị.")
            else:
                avatar = "có ảnh đại diện" if profile.avatar_url else "không có ảnh đại diện"
                console.print(f"[green]✓ Hồ sơ người dùng[/green]: tên hiển thị “{profile.display_name}”, {avatar}")
        except DeliveryError as exc:
            ok = False
            console.print(f"[red]✗ Hồ sơ người dùng[/red]: {exc.reason}")
    return ok


def _templates(credentials: Credentials) -> bool:
    templates = credentials.config.get("zns_templates") or {}
    ok = True
    for kind, template in templates.items() if isinstance(templates, dict) else ():
        try:
            params = params_of(template.get("params") if isinstance(template, dict) else None)
        except TemplateConfigError as exc:
            ok = False
            console.print(f"[red]✗ Mẫu ZNS '{kind}'[/red]: {exc}")
            continue
        described = ", ".join(f"{p.name}:{p.type}" for p in params) or "không có tham số"
        console.print(f"[green]✓ Mẫu ZNS '{kind}'[/green] ({template.get('template_id')}): {described}")
    return ok


@app.command("check")
def check(
    commune: Annotated[str | None, typer.Option("--commune", help="Mã xã (mặc định: xã mặc định).")] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="user_id Zalo nhận tin kiểm tra (đã nhắn cho OA trong 7 ngày qua).")
    ] = None,
    api_base: Annotated[
        str | None, typer.Option("--api-base", help="Địa chỉ API Zalo thay cho openapi.zalo.me (máy chủ giả khi thử).")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", exists=True, dir_okay=False, help="Gửi thêm một tệp (PDF, DOC, DOCX, CSV ≤ 5 MB)."),
    ] = None,
) -> None:
    """Gửi một tin văn bản, một tin có nút bấm (và một tệp, nếu có --file) và đọc hồ sơ một người dùng trên OA thật."""
    settings = get_settings()
    slug = commune or settings.default_commune
    factory = _sessions()
    credentials = _load(factory, slug)
    lacks = missing(credentials, user)
    if lacks or credentials is None or user is None:
        console.print(f"[red]Chưa kiểm tra được Zalo OA của xã {slug}: còn thiếu[/red]")
        for item in lacks:
            console.print(f"  - {item}")
        raise typer.Exit(1)
    if api_base:
        credentials.config = {**credentials.config, "api_base": api_base, "oauth_base": api_base}
    signing = str(credentials.config.get("signature_key") or "oa_secret_key")
    console.print(f"Kiểm tra Zalo OA của xã {slug} (app_id {credentials.config['app_id']}), người nhận {user}.")
    console.print(
        f"Chữ ký webhook được kiểm bằng khóa: {signing} (đổi bằng cấu hình signature_key nếu Zalo dùng khóa kia)."
    )
    document = (file.name, file.read_bytes()) if file is not None else None
    sent = asyncio.run(_run(credentials, factory, user, document))
    templates = _templates(credentials)
    if not (sent and templates):
        raise typer.Exit(1)
    console.print("[green]Kết nối Zalo OA hoạt động.[/green] Xem tin trên điện thoại của người nhận và bấm nút thử.")
