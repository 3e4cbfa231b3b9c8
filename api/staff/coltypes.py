"""Column types shared by the staff, citizen and case tables: the one timestamp type now lives in api/db.py."""

from __future__ import annotations

from api.db import UTCDateTime

__all__ = ["UTCDateTime"]
