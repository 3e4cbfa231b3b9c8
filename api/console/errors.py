"""Errors on console pages as Vietnamese HTML pages (a missing case, a bad link, no permission), not raw JSON."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from api.console.templating import render

HEADINGS = {
    400: "Yêu cầu không hợp lệ",
    403: "Không có quyền",
    404: "Không tìm thấy",
    409: "Không thể thực hiện",
    422: "Thông tin chưa hợp lệ",
    429: "Thao tác quá nhanh",
}


def error_page(request: Request, status_code: int, message: str) -> Response:
    referer = request.headers.get("referer", "")
    back = referer if referer.startswith(str(request.base_url)) else None
    context = {"heading": HEADINGS.get(status_code, "Có lỗi xảy ra"), "message": message, "back": back}
    return render(request, "error.html", context, status_code=status_code)
