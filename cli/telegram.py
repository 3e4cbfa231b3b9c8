"""``xaso telegram``: register the webhook with a fresh secret, or poll for updates during development."""

from __future__ import annotations

import asyncio
import secrets
from typing import Annotated

import httpx
import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker
from telegram.error import TelegramError

from api.channel_accounts.service import credentials_for, upsert_account
from api.communes.service import get_commune
from api.config import get_settings
from api.db import make_engine, make_sessionmaker, transaction
from api.migrate import upgrade_database
from channels.base import Credentials
from channels.telegram.connector import SECRET_HEADER, bot_for

app = typer.Typer(help="Kênh Telegram: đăng ký webhook, nhận tin bằng polling khi phát triển.", no_args_is_help=True)
console = Console()
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]

CommuneOption = Annotated[str | None, typer.Option("--commune", help="Mã xã (mặc định: xã mặc định của hệ thống).")]
TokenOption = Annotated[str | None, typer.Option("--token", help="Mã bot do @BotFather cấp (lưu cho xã này).")]


def _sessions() -> sessionmaker[Session]:
    settings = get_settings()
    upgrade_database(settings.database_url)
    return make_sessionmaker(make_engine(settings.database_url))


def _credentials(factory: sessionmaker[Session], slug: str, token: str | None) -> Credentials:
    with transaction(factory) as session:
        commune = get_commune(session, slug=slug)
        if token:
            upsert_account(session, commune_id=commune.id, channel="telegram", secrets={"bot_token": token})
        credentials = credentials_for(session, commune_id=commune.id, commune_slug=slug, channel="telegram")
    if credentials is None or not credentials.secrets.get("bot_token"):
        console.print(f"[red]Xã '{slug}' chưa có bot Telegram: chạy lại với --token <mã bot>.[/red]")
        raise typer.Exit(1)
    return credentials


def _store_secret(factory: sessionmaker[Session], slug: str, secret: str) -> None:
    with transaction(factory) as session:
        commune = get_commune(session, slug=slug)
        upsert_account(session, commune_id=commune.id, channel="telegram", secrets={"webhook_secret": secret})


@app.command("set-webhook")
def set_webhook(
    commune: CommuneOption = None,
    token: TokenOption = None,
    url: Annotated[str | None, typer.Option(help="Địa chỉ công khai của webhook.")] = None,
) -> None:
    """Đăng ký webhook với Telegram bằng một mã bí mật mới (mã cũ hết hiệu lực)."""
    settings = get_settings()
    slug = commune or settings.default_commune
    factory = _sessions()
    credentials = _credentials(factory, slug, token)
    target = url or f"{settings.public_base_url.rstrip('/')}/webhooks/telegram/{slug}"
    secret = secrets.token_urlsafe(32)  # A–Z a–z 0–9 _ - as Telegram requires

    async def register() -> None:
        bot = bot_for(credentials)
        try:
            await bot.set_webhook(url=target, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        finally:
            await bot.shutdown()

    try:
        asyncio.run(register())
    except TelegramError as exc:
        console.print(f"[red]Telegram từ chối đăng ký webhook: {exc.message}[/red]")
        raise typer.Exit(1) from None
    _store_secret(factory, slug, secret)
    console.print(f"[green]Đã đăng ký webhook[/green] {target} cho xã {slug} (mã bí mật mới đã được lưu).")


@app.command("poll")
def poll(
    commune: CommuneOption = None,
    token: TokenOption = None,
    gateway: Annotated[str | None, typer.Option(help="Địa chỉ cổng API đang chạy.")] = None,
    once: Annotated[bool, typer.Option(help="Lấy một lượt rồi dừng (dùng khi kiểm thử).")] = False,
) -> None:
    """Nhận tin Telegram bằng long polling (khi phát triển, không cần địa chỉ công khai) và chuyển vào cổng API."""
    settings = get_settings()
    slug = commune or settings.default_commune
    factory = _sessions()
    credentials = _credentials(factory, slug, token)
    secret = credentials.secrets.get("webhook_secret") or secrets.token_urlsafe(32)
    _store_secret(factory, slug, secret)
    target = f"{(gateway or settings.public_base_url).rstrip('/')}/webhooks/telegram/{slug}"
    console.print(f"Đang nhận tin cho xã {slug} → {target} (Ctrl-C để dừng)")
    asyncio.run(_poll_loop(credentials, target, secret, once=once))


async def _poll_loop(credentials: Credentials, target: str, secret: str, *, once: bool) -> None:
    bot = bot_for(credentials)
    offset = 0
    try:
        await bot.delete_webhook()  # getUpdates is refused while a webhook is set
        async with httpx.AsyncClient(timeout=30) as http:
            while True:
                updates = await bot.get_updates(
                    offset=offset, timeout=0 if once else 25, allowed_updates=ALLOWED_UPDATES
                )
                for update in updates:
                    # Through the very same webhook route: stored, deduplicated and answered like production.
                    response = await http.post(target, json=update.to_dict(), headers={SECRET_HEADER: secret})
                    if response.status_code != 200:
                        console.print(f"[red]Cổng API trả {response.status_code}; thử lại lượt sau.[/red]")
                        break
                    offset = update.update_id + 1
                    console.print(f"Đã chuyển cập nhật {update.update_id}")
                if once:
                    return
    finally:
        await bot.shutdown()
