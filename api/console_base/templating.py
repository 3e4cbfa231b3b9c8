"""Jinja2 for every console page: autoescaping on, the shared layout (``base.html``), and a navigation other parts
extend. Below the features: their pages and the console's own (api/console/templating.py) add their templates here."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from api.citizens.masking import mask_name, mask_phone
from api.communes.worktime import WorkCalendar
from api.infra.sanitize import http_url, redact

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
_CALENDAR = WorkCalendar()
LIVE_INTERVAL_MS = 5000  # how often an open console page asks for news (api/console/live.py)

# (label, href) shown in the top bar; other parts append theirs with ``add_nav_item``.
NAV_ITEMS: list[tuple[str, str]] = [("Hồ sơ", "/staff"), ("Thống kê", "/staff/stats")]
_extra_dirs: list[Path] = []

# No inline scripts or styles anywhere in the console: a strict policy blocks any injected markup from running.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def add_nav_item(label: str, href: str) -> None:
    if (label, href) not in NAV_ITEMS:
        NAV_ITEMS.append((label, href))


def add_template_dir(path: Path) -> None:
    """Let another part's templates ``{% extends "base.html" %}`` and be rendered with ``render``."""
    if path not in _extra_dirs:
        _extra_dirs.append(path)
        templates.env.loader = ChoiceLoader([FileSystemLoader([TEMPLATES_DIR, *_extra_dirs])])


def local(moment: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    return moment.astimezone(ZONE).strftime(fmt) if moment else "—"


def schedule_example() -> str:
    """A play time to show as an example: tomorrow at 06:30, in the format every page of the console shows dates."""
    return (datetime.now(ZONE) + timedelta(days=1)).strftime("%d/%m/%Y") + " 06:30"


def vn_number(value: float | int | None, digits: int = 0) -> str:
    """Vietnamese number format: "1.234,5" (dot for thousands, comma for decimals); "—" for nothing."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def due(moment: datetime | None) -> str:
    """A deadline in words, as officers say it: "trước 17:00 thứ Hai 30/11"."""
    return _CALENDAR.due_in_words(moment) if moment else "—"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader([TEMPLATES_DIR]), autoescape=select_autoescape(default=True), trim_blocks=True
    )
    env.filters["local"] = local
    # Masking for the least-privileged role and links that may only be http(s) (api/infra/sanitize.py).
    env.filters["redact"] = redact
    env.filters["mask_name"] = mask_name
    env.filters["mask_phone"] = mask_phone
    env.filters["http_url"] = http_url
    env.filters["due"] = due
    env.filters["vn"] = vn_number
    env.globals.update(
        NAV_ITEMS=NAV_ITEMS,
        schedule_example=schedule_example,
        LIVE_INTERVAL_MS=LIVE_INTERVAL_MS,
        CHANNEL_LABELS={"web": "khung chat web", "telegram": "Telegram", "zalo": "Zalo"},
    )
    return env


templates = Jinja2Templates(env=_environment())


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response
