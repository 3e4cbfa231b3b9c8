from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class DossierAnswer(BaseModel):
    """What the action server shows: ``text`` is ready to send; the rest lets it add buttons."""

    text: str
    available: bool = True
    found: bool = False
    demo: bool = False
    watchable: bool = False
    status: dict[str, Any] | None = None
    items: list[dict[str, Any]] = Field(default_factory=list)


class WatchCreate(BaseModel):
    conversation_id: str = Field(min_length=3, max_length=255)


class SourceWrite(BaseModel):
    kind: str = Field(pattern=r"^(demo|opencps|json)$")
    enabled: bool = True
    config: dict[str, Any] = Field(default_factory=dict)
    # Write-only: stored encrypted, never returned (username/password for OpenCPS, token for JSON).
    secrets: dict[str, str] = Field(default_factory=dict)


class SourceRead(BaseModel):
    kind: str
    enabled: bool
    config: dict[str, Any]
    secret_keys: list[str]  # which secrets are stored, never their values


class DemoAdvanced(BaseModel):
    code: str
    status: str
    notices_queued: int
