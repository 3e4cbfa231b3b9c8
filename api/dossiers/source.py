"""The ``DossierSource`` protocol every one-stop system adapter implements, and what a lookup returns.

A dossier (hồ sơ thủ tục hành chính) lives in the province's one-stop system, not in Xã Số: adapters read it over
HTTP (api/dossiers/opencps.py, api/dossiers/jsonhttp.py) or from the demo table (api/dossiers/demo.py).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from api.dossiers.statuses import Stage


class SourceUnavailable(Exception):
    """The source did not answer in time, answered with an error, or answered something unreadable. ``status`` is
    the HTTP status of a request the source refused (4xx), None otherwise."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LookupNotSupported(Exception):
    """The source has no safe way to look up by this key (e.g. by phone)."""


# Dossier codes: OpenCPS "000.00.07.H12-261130-0012", portal "H12.22-261130-0012", plain "HS-2026-0012".
CODE_PATTERN = re.compile(r"\b(?:[0-9A-Z]{2,4}\.){1,4}[0-9A-Z]{2,4}-\d{6}-\d{3,6}\b|\bHS-\d{4}-\d{3,8}\b", re.I)
MAX_CODE = 64


def clean_code(code: str) -> str | None:
    """The code as a source would index it, or None when it cannot be one (length, characters)."""
    code = (code or "").strip().upper()
    if not code or len(code) > MAX_CODE or not re.fullmatch(r"[0-9A-Z.\-_/]+", code):
        return None
    return code


@dataclass(frozen=True)
class DossierStatus:
    """The non-personal status of one dossier: what a lookup by code may show to anyone holding the code."""

    code: str
    stage: Stage
    status_code: str  # the source's own code ("processing", "waiting", "06"…)
    status_label: str  # plain Vietnamese
    procedure: str | None = None
    department: str | None = None
    received_at: datetime | None = None
    due_at: datetime | None = None  # the appointment for the result (ngày hẹn trả)
    missing: str | None = None  # what the office asks the citizen to add (bổ sung)
    result_ready: bool = False
    demo: bool = False

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stage"] = self.stage.value
        for key in ("received_at", "due_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


class DossierSource(Protocol):
    """A one-stop system. ``lookup`` by code is required; ``by_phone`` raises LookupNotSupported when the source has
    no filter for it (a phone only the channel confirmed is ever passed)."""

    name: str

    async def lookup(self, code: str) -> DossierStatus | None: ...

    async def by_phone(self, phone: str) -> list[DossierStatus]: ...
