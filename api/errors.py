"""Domain exceptions (raised by services) and the one place that maps them to HTTP responses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException


class DomainError(Exception):
    """Base for every error a service may raise; ``code`` is stable, ``message`` is Vietnamese for the user."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_error"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class PermissionDenied(DomainError):
    status_code = 403
    code = "forbidden"


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class UpstreamUnavailable(DomainError):
    """A service we depend on (Rasa, a channel API) did not answer."""

    status_code = 503
    code = "upstream_unavailable"


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


_HTTP_MESSAGES = {
    401: ("unauthorized", "Chưa đăng nhập hoặc mã truy cập không hợp lệ."),
    403: ("forbidden", "Bạn không có quyền thực hiện thao tác này."),
    404: ("not_found", "Không tìm thấy địa chỉ được yêu cầu."),
    405: ("method_not_allowed", "Phương thức HTTP không được hỗ trợ cho địa chỉ này."),
    413: ("payload_too_large", "Dữ liệu gửi lên quá lớn."),
    415: ("unsupported_media_type", "Kiểu dữ liệu gửi lên không được hỗ trợ."),
}


def _field_name(loc: tuple[Any, ...]) -> str | None:
    # Only the first element says where the value came from; a field may itself be called "body".
    parts = [str(p) for p in (loc[1:] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else loc)]
    return ".".join(parts) or None


def _validation_message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    field = _field_name(tuple(err.get("loc", ()))) or "dữ liệu"
    if kind == "json_invalid":
        return "Nội dung gửi lên không phải JSON hợp lệ."
    if kind in {"model_attributes_type", "dict_type", "model_type"}:
        return "Nội dung gửi lên phải là một đối tượng JSON (Content-Type: application/json)."
    if kind == "missing":
        return f"Thiếu trường bắt buộc '{field}'."
    if kind in {"string_too_short", "too_short"}:
        return f"Trường '{field}' không được để trống hoặc quá ngắn."
    if kind in {"string_too_long", "too_long"}:
        limit = (err.get("ctx") or {}).get("max_length")
        return f"Trường '{field}' quá dài" + (f" (tối đa {limit} ký tự)." if limit else ".")
    return f"Trường '{field}' không hợp lệ: {err.get('msg', '')}".strip()


HtmlErrorPage = Callable[[Request, int, str], Response]
_html_pages: dict[str, HtmlErrorPage] = {}


def register_html_errors(prefix: str, page: HtmlErrorPage) -> None:
    """Pages under ``prefix`` that a browser asked for get their errors as an HTML page (the staff console)."""
    _html_pages[prefix] = page


def _html_error(request: Request, status_code: int, message: str) -> Response | None:
    if status_code < 400 or "text/html" not in request.headers.get("accept", ""):
        return None
    for prefix, page in _html_pages.items():
        if request.url.path.startswith(prefix):
            return page(request, status_code, message)
    return None


async def _domain_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    html = _html_error(request, exc.status_code, exc.message)
    return html or JSONResponse(error_body(exc.code, exc.message, exc.field), status_code=exc.status_code)


async def _validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    first = errors[0] if errors else {}
    details = [
        {
            "field": _field_name(tuple(e.get("loc", ()))),
            "message": _validation_message(e),
            "type": e.get("type"),
        }
        for e in errors
    ]
    body = error_body(
        "validation_error",
        _validation_message(first) if first else "Dữ liệu không hợp lệ.",
        _field_name(tuple(first.get("loc", ()))) if first else None,
        details=details,
    )
    return _html_error(request, 422, body["error"]["message"]) or JSONResponse(body, status_code=422)


async def _http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code, message = _HTTP_MESSAGES.get(exc.status_code, ("http_error", str(exc.detail)))
    html = _html_error(request, exc.status_code, message)
    return html or JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


def register_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
