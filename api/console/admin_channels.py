"""Admin screens: the commune's channel accounts (Zalo OA, Telegram bot) and its news feeds.

Channel secrets are write-only here: stored encrypted (api/channel_accounts/crypto.py), shown back only as "đã lưu"
with their last four characters; an empty field keeps the stored value. Feed URLs are fetched only through the
outbound guard (api/infra/outbound.py): "Lấy tin ngay" shows the guard's refusal like any other fetch error.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.auth.inputs import reject_nul
from api.bulletins.models import NewsFeed
from api.bulletins.schemas import FeedCreate
from api.bulletins.sources import refresh_feed
from api.channel_accounts.models import ChannelAccount
from api.channel_accounts.service import find_account, upsert_account
from api.console.admin import PREFIX, AdminConsole, Csrf, admin_page, run_form
from api.console_base import auth
from api.db import transaction
from api.deps import BroadcastSettingsDep, SessionDep, SessionFactoryDep, SettingsDep
from api.errors import Conflict, NotFound, ValidationFailed
from api.infra.outbound import public_address

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(reject_nul)])
Field = Annotated[str, Form(max_length=1000)]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    secret: bool
    hint: str = ""


# What each platform needs (channels/zalo, channels/telegram read these keys).
CHANNEL_FIELDS: dict[str, tuple[str, tuple[FieldSpec, ...]]] = {
    "zalo": (
        "Zalo Official Account",
        (
            FieldSpec("oa_id", "OA ID", False, "Mã Official Account (trang quản trị Zalo OA)"),
            FieldSpec("app_id", "App ID", False, "Mã ứng dụng trên developers.zalo.me"),
            FieldSpec("app_secret", "Khóa bí mật ứng dụng (App secret)", True),
            FieldSpec("oa_secret_key", "Khóa bí mật OA (kiểm tra chữ ký webhook)", True),
            FieldSpec("refresh_token", "Refresh token (lấy khi cấp quyền cho ứng dụng)", True),
        ),
    ),
    "telegram": (
        "Bot Telegram",
        (
            FieldSpec("bot_username", "Tên bot", False, "Ví dụ: UBNDXaDemoBot"),
            FieldSpec("bot_token", "Mã bot (do @BotFather cấp)", True),
            FieldSpec("webhook_secret", "Mã bí mật webhook", True, "Để trống: giữ mã đã lưu"),
        ),
    ),
}
FLASH = {
    "channel": "Đã lưu tài khoản kênh (các khóa bí mật được mã hóa).",
    "feed": "Đã thêm nguồn tin.",
    "feed-toggled": "Đã cập nhật nguồn tin.",
    "feed-deleted": "Đã xóa nguồn tin.",
}


def secret_state(value: str | None) -> str:
    """What the page may say about a stored secret: never the value, at most its last four characters."""
    if not value:
        return "chưa có"
    return f"đã lưu · …{value[-4:]}" if len(value) >= 12 else "đã lưu"


def _account_view(account: ChannelAccount | None, channel: str) -> dict[str, Any]:
    label, fields = CHANNEL_FIELDS[channel]
    config = dict(account.config or {}) if account else {}
    secrets = dict(account.secrets or {}) if account else {}
    if account is not None and account.refresh_token:
        secrets["refresh_token"] = account.refresh_token
    return {
        "channel": channel,
        "label": label,
        "exists": account is not None,
        "enabled": bool(account and account.enabled),
        "fields": [
            {
                "spec": spec,
                "value": "" if spec.secret else str(config.get(spec.name, "")),
                "state": secret_state(secrets.get(spec.name)) if spec.secret else "",
            }
            for spec in fields
        ],
    }


def _page(
    request: Request, session: Session, console: auth.ConsoleSession, *, error: str | None = None, **kw: Any
) -> Response:
    commune_id = console.staff.commune_id
    context = {
        "accounts": [_account_view(find_account(session, commune_id=commune_id, channel=c), c) for c in CHANNEL_FIELDS],
        "feeds": list(session.scalars(select(NewsFeed).where(NewsFeed.commune_id == commune_id).order_by(NewsFeed.id))),
    }
    return admin_page(request, console, "admin_channels.html", context, error=error, **kw)


@router.get("/channels")
def channels_page(request: Request, session: SessionDep, console: AdminConsole, ok: str = "", n: int = 0) -> Response:
    flash = f"Đã lấy {n} tin mới thành bản nháp." if ok == "fetched" else FLASH.get(ok)
    return _page(request, session, console, flash=flash)


@router.post("/channels/{channel}")
def save_channel(
    request: Request,
    channel: str,
    session: SessionDep,
    console: AdminConsole,
    csrf_token: Csrf = "",
    enabled: Annotated[str, Form(max_length=2)] = "",
    oa_id: Field = "",
    app_id: Field = "",
    app_secret: Field = "",
    oa_secret_key: Field = "",
    refresh_token: Field = "",
    bot_username: Field = "",
    bot_token: Field = "",
    webhook_secret: Field = "",
) -> Response:
    if channel not in CHANNEL_FIELDS:
        raise NotFound("Không có kênh này.", code="channel_not_found")
    given = {
        "oa_id": oa_id,
        "app_id": app_id,
        "app_secret": app_secret,
        "oa_secret_key": oa_secret_key,
        "refresh_token": refresh_token,
        "bot_username": bot_username,
        "bot_token": bot_token,
        "webhook_secret": webhook_secret,
    }
    _label, fields = CHANNEL_FIELDS[channel]
    typed = {spec.name: given[spec.name].strip() for spec in fields}

    def run() -> Response:
        bad = [spec.label for spec in fields if any(ch.isspace() for ch in typed[spec.name])]
        if bad:
            raise ValidationFailed(f"{bad[0]}: không được chứa khoảng trắng.", code="invalid_credential")
        config = {s.name: typed[s.name] for s in fields if not s.secret and typed[s.name]}
        secrets = {s.name: typed[s.name] for s in fields if s.secret and typed[s.name] and s.name != "refresh_token"}
        account = upsert_account(
            session,
            commune_id=console.staff.commune_id,
            channel=channel,
            config=config,
            secrets=secrets,
            refresh_token=typed.get("refresh_token") or None,
        )
        account.enabled = enabled == "1"
        session.flush()
        return RedirectResponse(f"{PREFIX}/channels?ok=channel", status_code=303)

    return run_form(
        session, console, csrf_token, run, lambda m, s: _page(request, session, console, error=m, status_code=s)
    )


def check_feed_url(url: str, *, allow_private: bool) -> None:
    """Refuse at once what the outbound guard would refuse anyway: a literal internal address."""
    host = urlsplit(url).hostname or ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host in ("localhost",) or host.endswith(".localhost") or host.endswith(".local"):
            address = ipaddress.ip_address("127.0.0.1")
        else:
            return  # a name: resolved and checked by the guard on every fetch
    if not allow_private and not public_address(address):
        raise ValidationFailed(
            "Địa chỉ nguồn tin là địa chỉ nội bộ (loopback, mạng riêng, link-local): không được phép.",
            code="feed_url_private",
            field="url",
        )


@router.post("/feeds")
def add_feed(
    request: Request,
    session: SessionDep,
    console: AdminConsole,
    settings: SettingsDep,
    csrf_token: Csrf = "",
    url: Field = "",
    title: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    def run() -> Response:
        try:
            body = FeedCreate(url=url.strip(), title=title.strip())
        except ValidationError:
            raise ValidationFailed(
                "Địa chỉ nguồn tin phải bắt đầu bằng http:// hoặc https:// (ví dụ: địa chỉ RSS của cổng tỉnh).",
                code="invalid_feed_url",
                field="url",
            ) from None
        check_feed_url(body.url, allow_private=settings.outbound_allow_private)
        commune_id = console.staff.commune_id
        exists = session.scalar(select(NewsFeed).where(NewsFeed.commune_id == commune_id, NewsFeed.url == body.url))
        if exists is not None:
            raise Conflict("Nguồn tin này đã có.", code="feed_exists", field="url")
        session.add(NewsFeed(commune_id=commune_id, url=body.url, title=body.title))
        session.flush()
        return RedirectResponse(f"{PREFIX}/channels?ok=feed", status_code=303)

    return run_form(
        session, console, csrf_token, run, lambda m, s: _page(request, session, console, error=m, status_code=s)
    )


def _feed(session: Session, console: auth.ConsoleSession, feed_id: int) -> NewsFeed:
    feed = session.get(NewsFeed, feed_id)
    if feed is None or feed.commune_id != console.staff.commune_id:
        raise NotFound("Không tìm thấy nguồn tin.", code="feed_not_found")
    return feed


@router.post("/feeds/{feed_id}")
def change_feed(
    feed_id: int,
    session: SessionDep,
    console: AdminConsole,
    csrf_token: Csrf = "",
    action: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    auth.check_csrf(console, csrf_token)
    feed = _feed(session, console, feed_id)
    if action == "toggle":
        feed.active = not feed.active
        flash = "feed-toggled"
    elif action == "delete":
        session.delete(feed)  # drafts made from it stay (they are bulletins of their own)
        flash = "feed-deleted"
    else:
        raise ValidationFailed("Thao tác không hợp lệ.", code="invalid_action", field="action")
    session.flush()
    return RedirectResponse(f"{PREFIX}/channels?ok={flash}", status_code=303)


@router.post("/feeds/{feed_id}/fetch")
async def fetch_feed_now(
    request: Request,
    feed_id: int,
    factory: SessionFactoryDep,
    console: AdminConsole,
    settings: BroadcastSettingsDep,
    csrf_token: Csrf = "",
) -> Response:
    """Fetch now through the outbound guard; the page then shows the new drafts' count or the feed's error."""
    auth.check_csrf(console, csrf_token)

    def check() -> None:
        with transaction(factory) as session:
            _feed(session, console, feed_id)

    await run_in_threadpool(check)  # database work off the event loop (api/bulletins/production.py)
    created = await refresh_feed(factory, request.app.state.outbound, settings=settings, feed_id=feed_id)
    return RedirectResponse(f"{PREFIX}/channels?ok=fetched&n={len(created)}", status_code=303)
