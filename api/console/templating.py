"""The console's own pages on the shared base (api/console_base/templating.py): their templates and static files,
and the case labels and choices the case pages show (cases sit above the base, so the base cannot name them)."""

from __future__ import annotations

from pathlib import Path

from api.cases.catalog import CATEGORIES, KIND_LABELS, PRIORITY_LABELS, STATUS_LABELS, Kind, Priority, Status
from api.console_base.templating import add_template_dir, render, templates

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "render", "templates"]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"  # the layout's stylesheet and scripts: /staff/static/

add_template_dir(TEMPLATES_DIR)
templates.env.globals.update(
    STATUS_LABELS={s.value: label for s, label in STATUS_LABELS.items()},
    KIND_LABELS={k.value: label for k, label in KIND_LABELS.items()},
    PRIORITY_LABELS={p.value: label for p, label in PRIORITY_LABELS.items()},
    CATEGORIES=CATEGORIES,
    STATUSES=[s.value for s in Status],
    KINDS=[k.value for k in Kind],
    PRIORITIES=[p.value for p in Priority],
)
