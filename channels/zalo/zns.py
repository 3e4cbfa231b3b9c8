"""ZNS template parameters: each has a type chosen when the template was registered with Zalo Cloud, and Zalo refuses
a value longer than its type allows or in the wrong format (−1121, −1124). We check before sending, so the officer
sees which parameter is wrong, in Vietnamese, instead of a paid call that fails.

Limits per type: the parameter-type table of ZNS template creation (type codes 1–15) and Zalo Cloud's guide "Các định
dạng dữ liệu khi truyền vào tham số trên nội dung ZNS" (customer name 30, dates ``dd/mm/yyyy`` with leading zeros,
currency a positive integer). A commune configures each template's parameters with their type::

    "zns_templates": {"case_status": {"template_id": "…", "params": {
        "ma_ho_so": {"type": "code", "value": "{case_code}"},
        "ngay": {"type": "time", "value": "{date}"}}}}

A bare pattern (``"ma_ho_so": "{case_code}"``) is a ``label`` (30 characters), the most common type.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from channels.base import DeliveryError


def _time(value: str) -> bool:
    for fmt in ("%H:%M:%S", "%H:%M", "%H:%M:%S %d/%m/%Y", "%H:%M %d/%m/%Y", "%d/%m/%Y", "%m/%Y"):
        try:
            datetime.strptime(value, fmt)
        except ValueError:
            continue
        # strptime takes "9/2/2001"; Zalo Cloud wants the leading zeros ("09/02/2001").
        return all(len(part) == 2 or len(part) == 4 for part in re.split(r"[/: ]", value))
    return False


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_CURRENCY = re.compile(r"[1-9]\d*")
_PHONE = re.compile(r"(?:\+?84|0)\d{9,10}")
_NOTE_FORBIDDEN = set("@[]^_!\"•#$%¥&'()*+,€-./:;{|<}=~>?")


@dataclass(frozen=True)
class ParamType:
    code: int  # Zalo's type code at template creation
    label: str  # as Zalo Cloud's console names it
    max_length: int
    check: Callable[[str], bool] | None = None
    expects: str = ""  # the format, told to the officer when a value does not match


PARAM_TYPES: dict[str, ParamType] = {
    "customer_name": ParamType(1, "Tên khách hàng", 30),
    "phone": ParamType(2, "Số điện thoại", 15, lambda v: bool(_PHONE.fullmatch(v)), "số điện thoại, ví dụ 0912345678"),
    "address": ParamType(3, "Địa chỉ", 200),
    "code": ParamType(4, "Mã số", 30),
    "label": ParamType(5, "Nhãn tùy chỉnh", 30),
    "status": ParamType(6, "Trạng thái giao dịch", 30),
    "contact": ParamType(7, "Thông tin liên hệ", 50),
    "salutation": ParamType(8, "Giới tính / danh xưng", 5),
    "product": ParamType(9, "Tên sản phẩm / thương hiệu", 200),
    "quantity": ParamType(10, "Số lượng", 20, lambda v: bool(_NUMBER.fullmatch(v)), "một số, ví dụ 12 hoặc 0,5"),
    "time": ParamType(11, "Thời gian", 20, _time, "dd/mm/yyyy, mm/yyyy, hh:mm, hh:mm:ss hoặc hh:mm dd/mm/yyyy"),
    "otp": ParamType(12, "OTP", 10, str.isdigit, "chỉ chữ số"),
    "url": ParamType(13, "Đường dẫn", 200, lambda v: v.startswith(("https://", "http://")), "địa chỉ https://…"),
    "currency": ParamType(
        14, "Tiền tệ (VNĐ)", 12, lambda v: bool(_CURRENCY.fullmatch(v)), "số nguyên dương, không dấu chấm"
    ),
    "transfer_note": ParamType(
        15, "Nội dung chuyển khoản", 90, lambda v: not (set(v) & _NOTE_FORBIDDEN), "không có ký tự đặc biệt"
    ),
}
DEFAULT_TYPE = "label"


class TemplateConfigError(ValueError):
    """A template's configuration names an unknown parameter type."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    pattern: str  # filled from the message context: "{case_code}", "Hồ sơ {case_code}"


def params_of(raw: Any) -> list[Param]:
    """A template's parameters as configured (``{name: pattern}`` or ``{name: {"type", "value"}}``)."""
    if not isinstance(raw, Mapping):
        return []
    params = []
    for name, spec in raw.items():
        if isinstance(spec, Mapping):
            kind, pattern = str(spec.get("type") or DEFAULT_TYPE), str(spec.get("value") or "")
        else:
            kind, pattern = DEFAULT_TYPE, "" if spec is None else str(spec)
        if kind not in PARAM_TYPES:
            known = ", ".join(PARAM_TYPES)
            raise TemplateConfigError(f"Tham số '{name}' của mẫu ZNS có loại '{kind}' không có; các loại: {known}.")
        params.append(Param(str(name), kind, pattern))
    return params


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _as_text(value: Any) -> str:
    """Dates from the message context in the form Zalo shows (dd/mm/yyyy); ISO strings too."""
    if isinstance(value, datetime):
        return value.strftime("%H:%M %d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = "" if value is None else str(value)
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    return f"{iso.group(3)}/{iso.group(2)}/{iso.group(1)}" if iso else text


def fill(params: list[Param], context: Mapping[str, Any]) -> dict[str, str]:
    """Each parameter's value from its pattern and the message context (unknown fields become empty)."""
    values = _Blank({k: _as_text(v) for k, v in context.items()})
    formatter = string.Formatter()
    data = {}
    for param in params:
        try:
            value = formatter.vformat(param.pattern, (), values)
        except (ValueError, IndexError, AttributeError):
            value = param.pattern
        data[param.name] = unicodedata.normalize("NFC", " ".join(value.split()))
    return data


def problems(params: list[Param], data: Mapping[str, str]) -> list[str]:
    """What Zalo would refuse, one Vietnamese sentence per parameter (empty: the values are acceptable)."""
    found = []
    for param in params:
        kind = PARAM_TYPES[param.type]
        value = data.get(param.name, "")
        name = f"'{param.name}' ({kind.label})"
        if not value:
            found.append(f"tham số {name} không có giá trị")
        elif len(value) > kind.max_length:
            found.append(f"tham số {name} dài {len(value)} ký tự, tối đa {kind.max_length}: “{value[:60]}”")
        elif kind.check is not None and not kind.check(value):
            found.append(f"tham số {name} phải là {kind.expects}: “{value[:60]}”")
    return found


def template_data(raw_params: Any, context: Mapping[str, Any]) -> dict[str, str]:
    """The ``template_data`` to send, or a DeliveryError (final: the officer fixes the data or the template)."""
    try:
        params = params_of(raw_params)
    except TemplateConfigError as exc:
        raise DeliveryError(f"Tin ZNS không gửi: {exc}", retryable=False) from None
    data = fill(params, context)
    found = problems(params, data)
    if found:
        raise DeliveryError("Tin ZNS không gửi được vì " + "; ".join(found) + ".", retryable=False)
    return data
