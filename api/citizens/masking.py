"""Masking personal data for lists: enough for staff to recognise a person, not enough to copy it out."""

from __future__ import annotations

from collections.abc import Iterable

from api.infra.sanitize import redact
from api.staff.models import Role


def masks(role: str | Role) -> bool:
    """Whether a staff role sees personal data masked: the read-only role does, on every output, and so does the
    province role (its drill-down into a commune is read-only, masked like a viewer)."""
    return Role(role) in (Role.viewer, Role.province_admin)


def text_for(role: str | Role, text: str | None, known: Iterable[str | None] = ()) -> str | None:
    """Free text (descriptions, messages, notes) as ``role`` may see it: names, phones, ID numbers redacted for the
    read-only role on every surface — pages, APIs, CSV and JSON exports, live events."""
    return redact(text, known) if masks(role) else text


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    return (
        digits[:3] + "*" * (len(digits) - 6) + digits[-3:] if len(digits) > 6 else "*" * (len(digits) - 2) + digits[-2:]
    )


def mask_name(name: str | None) -> str | None:
    """'Nguyễn Văn An' → 'Nguyễn V. A.' — family name kept, the rest reduced to initials."""
    if not name:
        return name
    parts = name.split()
    if len(parts) == 1:
        return parts[0][:1] + "…"
    return " ".join([parts[0], *(p[:1] + "." for p in parts[1:])])
