"""The inbox's table lives in ``api/inbox_events/models.py`` (below the domain, so that privacy, nlu and the outbox
reach it without the inbox); its old name stays for the callers not moved yet."""

from __future__ import annotations

from api.inbox_events.models import FAILED, IGNORED, PENDING, PROCESSED, PROCESSING, InboxEvent

__all__ = ["FAILED", "IGNORED", "PENDING", "PROCESSED", "PROCESSING", "InboxEvent"]
