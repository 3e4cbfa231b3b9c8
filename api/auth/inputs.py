"""Input hygiene shared by case management's routers: NUL characters are refused up front.

PostgreSQL text cannot hold U+0000 (the driver raises) and no legitimate Vietnamese text contains it, so a request
carrying one in its path, query, JSON or form gets a 422 naming the field instead of failing deep in the database.
File uploads (multipart) are binary by nature and are checked by type instead.
"""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import UploadFile

from api.errors import ValidationFailed

_MESSAGE = "Dữ liệu chứa ký tự không hợp lệ (NUL)."


def _refuse(field: str | None) -> ValidationFailed:
    return ValidationFailed(_MESSAGE, code="invalid_character", field=field)


async def reject_nul(request: Request) -> None:
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        if "\x00" in str(value) or "\x00" in name:
            raise _refuse(name)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.body()
        if b"\x00" in body or b"\\u0000" in body:
            raise _refuse(None)
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        for name, value in form.multi_items():
            if "\x00" in name or (not isinstance(value, UploadFile) and "\x00" in value):
                raise _refuse(name)
