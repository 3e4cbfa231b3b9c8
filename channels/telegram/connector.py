"""The Telegram channel: secret-token header check, updates parsed by python-telegram-bot, replies via its Bot."""

from __future__ import annotations

import contextlib
import hmac
import warnings
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from channels.base import (
    AttachmentUnavailable,
    Credentials,
    DeliveryError,
    InboundMessage,
    InboundRejected,
    OutboundMessage,
    RecipientGone,
    SendContext,
)
from channels.ids import format_id
from channels.paging import first_page
from channels.text import split_text

SECRET_HEADER = "x-telegram-bot-api-secret-token"
DEFAULT_API_BASE = "https://api.telegram.org"
TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for inline button data
# Choices shown under one message (Telegram allows up to 100, but more than a phone screen hides the text above);
# longer lists are paged with "Xem thêm" (channels/paging.py).
MAX_KEYBOARD_BUTTONS = 8

_bots: dict[tuple[str, str], Bot] = {}


def bot_for(credentials: Credentials) -> Bot:
    """One Bot (and connection pool) per token and API base, created on first use."""
    token = credentials.secrets.get("bot_token", "")
    if not token:
        raise DeliveryError("Xã này chưa cấu hình bot Telegram (thiếu bot_token).", retryable=False)
    base = str(credentials.config.get("api_base") or DEFAULT_API_BASE).rstrip("/")
    key = (token, base)
    if key not in _bots:
        request = HTTPXRequest(connection_pool_size=32, read_timeout=10.0, connect_timeout=5.0, pool_timeout=5.0)
        _bots[key] = Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot", request=request)
    return _bots[key]


FILE_PREFIX = "tg-file:"  # how an inbound photo or document is stored: "tg-file:<file_id>"


async def download_file(credentials: Credentials, file_id: str, *, max_bytes: int) -> tuple[bytes, str]:
    """A citizen's file through the commune's bot: getFile, then the file itself; returns (bytes, file path)."""
    bot = bot_for(credentials)
    try:
        handle = await bot.get_file(file_id)
        if handle.file_size and handle.file_size > max_bytes:
            raise AttachmentUnavailable(f"Tệp quá lớn ({handle.file_size // 1024} KB).")
        data = bytes(await handle.download_as_bytearray())
    except TelegramError as exc:
        raise AttachmentUnavailable(str(exc)) from exc
    if len(data) > max_bytes:
        raise AttachmentUnavailable(f"Tệp quá lớn ({len(data) // 1024} KB).")
    return data, handle.file_path or ""


async def close_bots() -> None:
    for bot in list(_bots.values()):
        await bot.shutdown()
    _bots.clear()


async def acknowledge_button(credentials: Credentials, callback_query_id: str) -> None:
    """Stop the spinner on the pressed inline button. Best effort: the answer itself goes through the outbox."""
    with contextlib.suppress(TelegramError, DeliveryError):
        await bot_for(credentials).answer_callback_query(callback_query_id)


def _callback_data(button: Mapping[str, str]) -> str:
    """Rasa payloads longer than Telegram's 64 bytes fall back to the title, which the NLU understands."""
    payload = button["payload"]
    if len(payload.encode()) <= CALLBACK_DATA_LIMIT:
        return payload
    return button["title"].encode()[:CALLBACK_DATA_LIMIT].decode(errors="ignore")


def _retry_seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    name = "telegram"

    async def fetch_attachment(self, credentials: Credentials, ref: str, *, max_bytes: int) -> tuple[bytes, str]:
        """The bytes behind an inbound ``tg-file:<file_id>`` reference and Telegram's file path (for its type)."""
        if not ref.startswith(FILE_PREFIX):
            raise AttachmentUnavailable("Không phải tệp Telegram.")
        return await download_file(credentials, ref.removeprefix(FILE_PREFIX), max_bytes=max_bytes)

    async def acknowledge(
        self, message: InboundMessage, credentials: Callable[[], Awaitable[Credentials | None]]
    ) -> None:
        callback_query_id = message.extra.get("callback_query_id")
        if callback_query_id:
            account = await credentials()
            if account is not None:
                await acknowledge_button(account, str(callback_query_id))

    async def close(self) -> None:
        await close_bots()

    def verify(self, *, headers: Mapping[str, str], body: bytes, credentials: Credentials | None) -> None:
        if credentials is None:
            raise InboundRejected("Xã này chưa kết nối bot Telegram.", status_code=403)
        expected = credentials.secrets.get("webhook_secret", "")
        received = headers.get(SECRET_HEADER, "")
        if not received:
            raise InboundRejected("Thiếu mã bí mật X-Telegram-Bot-Api-Secret-Token.", status_code=401)
        if not expected or not hmac.compare_digest(expected.encode(), received.encode()):
            raise InboundRejected("Mã bí mật Telegram không khớp.", status_code=403)

    def parse(self, payload: Mapping[str, Any], *, commune: str) -> list[InboundMessage]:
        update = Update.de_json(dict(payload), None)
        event_id = str(update.update_id)
        if update.callback_query is not None:
            query = update.callback_query
            chat = query.message.chat.id if query.message is not None else query.from_user.id
            return [
                InboundMessage(
                    event_id=event_id,
                    conversation_id=format_id("telegram", commune, chat),
                    user_id=str(query.from_user.id),
                    kind="button",
                    text=query.data or "",
                    display_name=query.from_user.full_name,
                    extra={"callback_query_id": query.id},
                )
            ]
        message = update.message or update.edited_message
        if message is None:
            return []
        sender = message.from_user
        base: dict[str, Any] = {
            "event_id": event_id,
            "conversation_id": format_id("telegram", commune, message.chat.id),
            "user_id": str(sender.id if sender else message.chat.id),
            "display_name": sender.full_name if sender else None,
        }
        text = (message.text or message.caption or "").strip()
        if message.photo:
            largest = max(message.photo, key=lambda p: p.width * p.height)
            return [InboundMessage(kind="image", text=text, attachments=(f"tg-file:{largest.file_id}",), **base)]
        if message.location is not None:
            loc = message.location
            return [InboundMessage(kind="location", latitude=loc.latitude, longitude=loc.longitude, **base)]
        if message.document is not None:
            doc = message.document
            extra = {"file_name": doc.file_name or ""}
            return [
                InboundMessage(kind="file", text=text, attachments=(f"tg-file:{doc.file_id}",), extra=extra, **base)
            ]
        if message.contact is not None:
            contact = message.contact
            return [InboundMessage(kind="contact", phone=contact.phone_number, **base)]
        if message.sticker is not None:
            return [InboundMessage(kind="sticker", text=message.sticker.emoji or "", **base)]
        if text.split(" ", 1)[0].split("@", 1)[0] == "/start":
            return [InboundMessage(kind="start", text=text, **base)]
        if not text:
            return []
        return [InboundMessage(kind="text", text=text, **base)]

    def parts(self, message: OutboundMessage) -> list[dict[str, Any]]:
        chunks = split_text(message.text, TEXT_LIMIT)
        parts: list[dict[str, Any]] = [{"text": chunk} for chunk in chunks]
        if message.buttons:
            page = first_page(message.buttons, per_message=MAX_KEYBOARD_BUTTONS, message_id=message.message_id)
            rows = [[InlineKeyboardButton(b["title"], callback_data=_callback_data(b))] for b in page]
            if not parts:
                parts.append({"text": "Mời anh/chị chọn:"})
            parts[-1]["reply_markup"] = InlineKeyboardMarkup(rows)
        if message.image_url:
            parts.append({"photo": message.image_url})
        return parts

    async def send(self, message: OutboundMessage, context: SendContext) -> str | None:
        if context.credentials is None:
            raise DeliveryError("Xã này chưa kết nối bot Telegram.", retryable=False)
        bot = bot_for(context.credentials)
        last_id: str | None = None
        parts = self.parts(message)
        for index in range(context.parts_sent, len(parts)):
            last_id = await self._send_part(bot, message.recipient, parts[index])
            await context.on_part_sent(index + 1, last_id)
        return last_id

    @staticmethod
    async def _send_part(bot: Bot, chat_id: str, part: dict[str, Any]) -> str:
        try:
            if "photo" in part:
                sent = await bot.send_photo(chat_id=chat_id, photo=part["photo"])
            else:
                sent = await bot.send_message(chat_id=chat_id, text=part["text"], reply_markup=part.get("reply_markup"))
        except RetryAfter as exc:
            with warnings.catch_warnings():  # PTB 22 warns that the type will become timedelta: both are handled
                warnings.simplefilter("ignore")
                wait = _retry_seconds(exc.retry_after)
            raise DeliveryError(
                f"Telegram giới hạn tần suất; thử lại sau {wait:.0f} giây.", retryable=True, retry_after=wait
            ) from exc
        except Forbidden as exc:
            raise RecipientGone(f"Không gửi được: người dân đã chặn hoặc rời bot ({exc.message}).") from exc
        except InvalidToken as exc:
            raise DeliveryError(
                "Mã bot Telegram không hợp lệ: cần cấu hình lại.", retryable=True, retry_after=300
            ) from exc
        except BadRequest as exc:
            raise DeliveryError(f"Telegram từ chối tin nhắn: {exc.message}", retryable=False) from exc
        except NetworkError as exc:  # includes TimedOut
            raise DeliveryError(f"Không kết nối được Telegram: {exc.message}", retryable=True) from exc
        except TelegramError as exc:
            raise DeliveryError(f"Telegram trả lỗi: {exc.message}", retryable=True) from exc
        return str(sent.message_id)
