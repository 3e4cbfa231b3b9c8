from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class WebMetadata(BaseModel):
    commune: str | None = Field(default=None, min_length=1, max_length=64)
    # The widget's own id for the message: a retried POST is answered from the first one's result.
    message_id: str | None = Field(default=None, min_length=1, max_length=100)

    model_config = {"extra": "allow"}


class WebMessageIn(BaseModel):
    """Rasa's REST channel shape, so existing Rasa web widgets can talk to the gateway unchanged."""

    sender: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    message: str = Field(min_length=1, max_length=4000)
    metadata: WebMetadata | None = None

    def extra_metadata(self) -> dict[str, Any]:
        return dict(self.metadata.model_extra or {}) if self.metadata else {}
