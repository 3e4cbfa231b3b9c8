"""Structured logs (structlog) and the request id that follows a citizen's message from the webhook to the reply.

Every HTTP request gets a request id (the caller's ``X-Request-ID`` when it looks like one, else a new one), sent
back in the response header and bound to the logging context. A webhook stores it on the inbound event
(``inbox_events.request_id``); the inbox worker that answers the message later binds it again, the replies it queues
carry it (``outbox_messages.request_id``), and the outbox worker logs the send under it. So
``grep <request id>`` over the gateway's logs shows one message's whole path.

``XASO_LOG_FORMAT=json`` (the default in production) writes one JSON object per line through the standard
``logging`` module, so every existing ``log.info(...)`` in the code base is structured too, uvicorn's own messages
included; ``text`` keeps the plain lines of development.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_HANDLER_MARK = "_xaso_structured"


def current_request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value else None


class RequestId:
    """ASGI middleware: one request id per HTTP request, in the logging context and the response's header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(HEADER.encode(), b"").decode("latin-1")
        request_id = given if _VALID.match(given) else uuid.uuid4().hex[:16]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            await self.app(scope, receive, send_with_id)


_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def install_record_factory() -> None:
    """Every standard ``LogRecord`` carries ``request_id`` too (for handlers that are not ours: captures, files)."""
    current = logging.getLogRecordFactory()
    if getattr(current, _HANDLER_MARK, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        record.request_id = current_request_id()
        return record

    setattr(factory, _HANDLER_MARK, True)
    logging.setLogRecordFactory(factory)


def formatter(log_format: str) -> logging.Formatter:
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def configure(log_format: str, level: int = logging.INFO) -> None:
    """Route the standard library's records (and structlog's) through one JSON or text formatter on stderr."""
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format))
    setattr(handler, _HANDLER_MARK, True)
    for name in ("", "uvicorn", "uvicorn.error"):
        target = logging.getLogger(name)
        # Only handlers this function added before, and uvicorn's plain stream handlers, are replaced; others (a
        # test's capture, a file handler someone configured) stay.
        target.handlers = [
            h for h in target.handlers if not getattr(h, _HANDLER_MARK, False) and type(h) is not logging.StreamHandler
        ]
        target.addHandler(handler)
        if name:
            target.propagate = False
    logging.getLogger().setLevel(level)
