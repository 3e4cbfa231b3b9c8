"""Jinja2 for the console: autoescaping on, a shared layout, and a navigation other parts can extend."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from api.cases.catalog import CATEGORIES, KIND_LABELS, PRIORITY_LABELS, STATUS_LABELS, Kind, Priority, Status

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

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


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader([TEMPLATES_DIR]), autoescape=select_autoescape(default=True), trim_blocks=True
    )
    env.filters["local"] = local
    env.globals.update(
        NAV_ITEMS=NAV_ITEMS,
        STATUS_LABELS={s.value: label for s, label in STATUS_LABELS.items()},
        KIND_LABELS={k.value: label for k, label in KIND_LABELS.items()},
        PRIORITY_LABELS={p.value: label for p, label in PRIORITY_LABELS.items()},
        CATEGORIES=CATEGORIES,
        STATUSES=[s.value for s in Status],
        KINDS=[k.value for k in Kind],
        PRIORITIES=[p.value for p in Priority],
    )
    return env


templates = Jinja2Templates(env=_environment())


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response
