"""OpenAPI descriptions of the project's error bodies, so documented responses match what is actually sent."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, Field

# Database ids are 32-bit on every backend: larger numbers are a 422, never an overflow deep in the driver.
MAX_ID = 2_147_483_647
IdField = Annotated[int, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def parse_id(value: str) -> int | None:
    """A form or query string as a database id; anything else (empty, text, out of range) is None."""
    return int(value) if value.isdigit() and len(value) <= 10 and 1 <= int(value) <= MAX_ID else None


class ErrorDetail(BaseModel):
    field: str | None = None
    message: str
    type: str | None = None


class ErrorContent(BaseModel):
    code: str
    message: str
    field: str | None = None
    details: list[ErrorDetail] | None = None


class ErrorBody(BaseModel):
    """``{"error": {"code", "message" (Vietnamese), "field"}}`` — see api/errors.py."""

    error: ErrorContent


class Open311Error(BaseModel):
    code: int
    description: str


_DESCRIPTIONS = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa đăng nhập / mã truy cập không hợp lệ",
    403: "Không có quyền",
    404: "Không tìm thấy",
    409: "Xung đột trạng thái",
    413: "Dữ liệu quá lớn",
    422: "Dữ liệu không hợp lệ (trường bị lỗi trong 'field')",
    429: "Quá nhiều lần thử",
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in _DESCRIPTIONS.items()
}
OPEN311_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": list[Open311Error], "description": text} for code, text in _DESCRIPTIONS.items()
}
