from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from channels.text import clean_text


class WebMetadata(BaseModel):
    commune: str | None = Field(default=None, min_length=1, max_length=64)
    # The widget's own id for the message: a retried POST is answered from the first one's result.
    message_id: str | None = Field(default=None, min_length=1, max_length=100)

    model_config = {"extra": "allow"}


class WebMessageIn(BaseModel):
    """Rasa's REST channel shape, so existing Rasa web widgets can talk to the gateway unchanged."""

    sender: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    metadata: WebMetadata | None = None  # before ``message``: its check reads the metadata
    # May be empty when the metadata carries a photo (``attachments``) or a shared ``location`` (the widget).
    message: str = Field(default="", max_length=4000)

    @field_validator("message")
    @classmethod
    def _not_empty(cls, message: str, info: ValidationInfo) -> str:
        """Blank once normalised (only spaces or control characters) and nothing attached: nothing to answer."""
        metadata = info.data.get("metadata")
        extra = (metadata.model_extra or {}) if isinstance(metadata, WebMetadata) else {}
        if not clean_text(message) and not extra.get("location") and not extra.get("attachments"):
            raise ValueError("Tin nhắn trống: hãy nhập nội dung, gửi ảnh hoặc vị trí.")
        return message

    def extra_metadata(self) -> dict[str, Any]:
        return dict(self.metadata.model_extra or {}) if self.metadata else {}


# The platforms' webhook payloads, checked before parsing: an odd shape (``{"message": 5}``, a message without a
# chat) is answered 200 ``{"ignored": …}`` so the platform stops retrying, instead of failing deep in a parser.
class _Loose(BaseModel):
    model_config = {"extra": "allow"}


class TelegramChat(_Loose):
    id: int


class TelegramUser(_Loose):
    id: int


class TelegramMessage(_Loose):
    message_id: int
    chat: TelegramChat
    from_user: TelegramUser | None = Field(default=None, alias="from")
    text: str | None = None
    caption: str | None = None


class TelegramCallbackQuery(_Loose):
    id: str
    from_user: TelegramUser = Field(alias="from")
    data: str | None = None
    message: TelegramMessage | None = None


class TelegramUpdate(_Loose):
    update_id: int
    message: TelegramMessage | None = None
    edited_message: TelegramMessage | None = None
    callback_query: TelegramCallbackQuery | None = None


class ZaloParty(_Loose):
    id: str | int


class ZaloEvent(_Loose):
    event_name: str = Field(min_length=1, max_length=100)
    timestamp: str | int
    sender: ZaloParty | None = None
    follower: ZaloParty | None = None
    message: dict[str, Any] | None = None


PLATFORM_SCHEMAS: dict[str, type[BaseModel]] = {"telegram": TelegramUpdate, "zalo": ZaloEvent}
