"""Citizens' attachments on the console: a Telegram photo (stored as ``tg-file:<file_id>``) is fetched through the
commune's own bot (getFile) and streamed to logged-in staff; the bot token never reaches the browser.

The commune's bot can only fetch files sent to it, so an officer sees only their own commune's citizens' files.
Read-only accounts see personal data masked and get no photos.
"""

from __future__ import annotations

import mimetypes
import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.auth.inputs import reject_nul
from api.channel_accounts.service import credentials_for
from api.communes.models import Commune
from api.console import holders
from api.console.templating import templates
from api.console_base import auth
from api.db import transaction
from api.errors import NotFound, PermissionDenied
from channels import registry
from channels.base import AttachmentUnavailable, Credentials

router = APIRouter(prefix="/staff/attachments", include_in_schema=False, dependencies=[Depends(reject_nul)])
TELEGRAM_PREFIX = "tg-file:"
MAX_BYTES = 20 * 1024 * 1024  # the Bot API's getFile limit
_FILE_ID = re.compile(r"^[A-Za-z0-9_-]{8,200}$")


def attachment_url(ref: str | None) -> str | None:
    """Where the console shows an attachment: http(s) and local paths as they are, Telegram files via the proxy."""
    if not ref:
        return None
    if ref.startswith(TELEGRAM_PREFIX) and _FILE_ID.match(ref.removeprefix(TELEGRAM_PREFIX)):
        return f"/staff/attachments/telegram/{ref.removeprefix(TELEGRAM_PREFIX)}"
    if ref.startswith(("http://", "https://")) or (ref.startswith("/") and not ref.startswith("//")):
        return ref
    return None


templates.env.filters["attachment_url"] = attachment_url


@router.get("/telegram/{file_id}")
async def telegram_file(request: Request, file_id: str, console: auth.ConsoleStaff) -> Response:
    if not console.staff.can_write:
        raise PermissionDenied("Tài khoản chỉ xem không xem được ảnh người dân gửi.", code="read_only_role")
    if not _FILE_ID.match(file_id):
        raise NotFound("Không tìm thấy tệp.", code="attachment_not_found")

    def load() -> Credentials | None:
        with transaction(request.app.state.sessionmaker) as session:
            if holders.attachment_hidden(session, console.staff, ref=TELEGRAM_PREFIX + file_id):
                raise NotFound("Không tìm thấy tệp.", code="attachment_not_found")  # the conversation's access rule
            commune = session.get(Commune, console.staff.commune_id)
            if commune is None:
                return None
            return credentials_for(session, commune_id=commune.id, commune_slug=commune.slug, channel="telegram")

    credentials = await run_in_threadpool(load)
    if credentials is None:
        raise NotFound("Xã chưa cấu hình bot Telegram nên không lấy được ảnh.", code="telegram_not_configured")
    connector = registry.get("telegram")
    fetch = getattr(connector, "fetch_attachment", None)
    if fetch is None:
        raise NotFound("Kênh Telegram không hỗ trợ tải tệp.", code="attachment_not_found")
    try:
        data, path = await fetch(credentials, TELEGRAM_PREFIX + file_id, max_bytes=MAX_BYTES)
    except AttachmentUnavailable as exc:
        raise NotFound(f"Không lấy được tệp từ Telegram: {exc}", code="attachment_unavailable") from exc
    media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    headers = {
        "Cache-Control": "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    if not media_type.startswith("image/") or media_type == "image/svg+xml":
        media_type = "application/octet-stream"  # never rendered by the browser: downloaded
        headers["Content-Disposition"] = f'attachment; filename="{path.rsplit("/", 1)[-1] or file_id}"'
    return Response(data, media_type=media_type, headers=headers)
