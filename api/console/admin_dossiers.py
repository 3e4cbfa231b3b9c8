"""Admin screen: the commune's one-stop dossier source (api/dossiers/): its kind, settings and credentials, and a
connection check.

The same rules as the channel accounts page (api/console/admin_channels.py): secrets are write-only, stored encrypted
(api/channel_accounts/crypto.py) and shown back only as the names of the keys that are set; an empty secret field
keeps the stored value. "Kiểm tra kết nối" looks up a code no dossier has through the commune's own adapter with a
short timeout and no retry, and says plainly whether the source answered.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.auth.inputs import reject_nul
from api.config import Settings
from api.console.admin import PREFIX, AdminConsole, Csrf, admin_page, run_form
from api.console_base import auth
from api.db import transaction
from api.deps import SessionDep, SessionFactoryDep, SettingsDep
from api.dossiers import service
from api.dossiers.http import HttpPolicy
from api.dossiers.models import KINDS, DossierSourceConfig
from api.dossiers.source import DossierSource, SourceUnavailable
from api.errors import ValidationFailed

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(reject_nul)])
Field = Annotated[str, Form(max_length=1000)]
PATH = f"{PREFIX}/dossiers"
KIND_LABELS = {
    "demo": "Dữ liệu mẫu (demo, để thử)",
    "opencps": "OpenCPS (hệ thống một cửa điện tử mã nguồn mở)",
    "json": "JSON/HTTP (hệ thống khác của tỉnh, mô tả bằng cấu hình)",
    "none": "Chưa cấu hình",
}
# The adapters' settings (api/dossiers/opencps.py, api/dossiers/jsonhttp.py): text fields, then the JSON ones.
TEXT_KEYS = {
    "opencps": ("base_url", "group_id"),
    "json": ("base_url", "lookup_path", "phone_path", "items_path", "auth_header"),
}
JSON_KEYS = ("fields", "status_map", "date_formats")  # json kind only, typed as one JSON object on the form
SECRET_KEYS = {"opencps": ("username", "password"), "json": ("token",)}
SECRET_LABELS = {"username": "Tên đăng nhập", "password": "Mật khẩu", "token": "Mã truy cập (token)"}
CHECK_CODE = "XASO-KIEM-TRA-0000"  # no one-stop system numbers a dossier like this
CHECK_TIMEOUT = 5.0  # seconds, at most, whatever the settings say: the admin is waiting on the page


@dataclass(frozen=True)
class Check:
    answered: bool
    text: str


def _view(row: DossierSourceConfig | None, settings: Settings) -> dict[str, Any]:
    source = service.source_read(row, settings=settings)
    kind, enabled, config, stored = source.kind, source.enabled, source.config, source.secret_keys
    extra = {key: config[key] for key in JSON_KEYS if key in config}
    return {
        "kind": kind,
        "kind_label": KIND_LABELS.get(kind, kind),
        "configured": row is not None,
        "enabled": enabled,
        "config": {key: value for key, value in config.items() if key not in JSON_KEYS},
        "extra": json.dumps(extra, ensure_ascii=False, indent=2) if extra else "",
        "stored": stored,  # names of the secrets that are set, never their values
        "secret_fields": [
            {"name": name, "label": SECRET_LABELS[name], "kind": k, "set": name in stored}
            for k, names in SECRET_KEYS.items()
            for name in names
        ],
        "kinds": [(k, KIND_LABELS[k]) for k in KINDS],
    }


def _page(
    request: Request,
    session: Session,
    console: auth.ConsoleSession,
    settings: Settings,
    *,
    error: str | None = None,
    flash: str | None = None,
    status_code: int = 200,
    check: Check | None = None,
) -> Response:
    row = service.source_config(session, commune_id=console.staff.commune_id)
    context = {"source": _view(row, settings), "check": check, "check_code": CHECK_CODE}
    return admin_page(
        request, console, "admin_dossiers.html", context, error=error, flash=flash, status_code=status_code
    )


@router.get("/dossiers")
def dossiers_page(
    request: Request, session: SessionDep, console: AdminConsole, settings: SettingsDep, ok: str = ""
) -> Response:
    flash = "Đã lưu nguồn hồ sơ (các khóa bí mật được mã hóa)." if ok == "saved" else None
    return _page(request, session, console, settings, flash=flash)


def _extra(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        extra = json.loads(text)
    except ValueError:
        extra = None
    if not isinstance(extra, dict):
        raise ValidationFailed(
            'Cấu hình thêm phải là một đối tượng JSON, ví dụ {"status_map": {"1": "received"}}.',
            code="invalid_json_config",
            field="extra",
        )
    unknown = sorted(set(extra) - set(JSON_KEYS))
    if unknown:
        raise ValidationFailed(
            f"Cấu hình thêm chỉ nhận các khóa {', '.join(JSON_KEYS)} (có khóa lạ: {', '.join(unknown)}).",
            code="invalid_json_config",
            field="extra",
        )
    return extra


@router.post("/dossiers")
def save_source(
    request: Request,
    session: SessionDep,
    console: AdminConsole,
    settings: SettingsDep,
    csrf_token: Csrf = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    enabled: Annotated[str, Form(max_length=2)] = "",
    base_url: Field = "",
    group_id: Field = "",
    lookup_path: Field = "",
    phone_path: Field = "",
    items_path: Field = "",
    auth_header: Field = "",
    extra: Annotated[str, Form(max_length=10000)] = "",
    username: Field = "",
    password: Field = "",
    token: Field = "",
) -> Response:
    typed = {
        "base_url": base_url, "group_id": group_id, "lookup_path": lookup_path, "phone_path": phone_path,
        "items_path": items_path, "auth_header": auth_header,
    }  # fmt: skip
    given = {"username": username, "password": password, "token": token}

    def run() -> Response:
        chosen = kind.strip()
        if chosen not in KINDS:
            raise ValidationFailed(
                f"Loại nguồn không hợp lệ: chọn một trong {', '.join(KIND_LABELS[k] for k in KINDS)}.",
                code="invalid_kind",
                field="kind",
            )
        config: dict[str, Any] = {key: typed[key].strip() for key in TEXT_KEYS.get(chosen, ()) if typed[key].strip()}
        if chosen == "json":
            config.update(_extra(extra))
        secrets = {key: given[key].strip() for key in SECRET_KEYS.get(chosen, ()) if given[key].strip()}
        service.configure_source(
            session, commune_id=console.staff.commune_id, kind=chosen, config=config, secrets=secrets,
            enabled=enabled == "1",
        )  # fmt: skip
        return RedirectResponse(f"{PATH}?ok=saved", status_code=303)

    return run_form(
        session,
        console,
        csrf_token,
        run,
        lambda m, s: _page(request, session, console, settings, error=m, status_code=s),
    )


async def check_source(factory: Any, settings: Settings, *, commune_id: int) -> Check:
    """Look up a code no dossier has: any answer (found or not) means the source is reachable and accepts us."""
    timeout = min(settings.dossier_timeout_seconds, CHECK_TIMEOUT)

    def build() -> DossierSource | None:
        with transaction(factory) as session:
            row = service.source_config(session, commune_id=commune_id)
            return service.build_source(
                row, factory=factory, commune_id=commune_id, settings=settings,
                http=HttpPolicy(timeout=timeout, retries=0),
            )  # fmt: skip

    source = await run_in_threadpool(build)  # database work off the event loop (api/bulletins/production.py)
    if source is None:
        return Check(False, "Chưa có nguồn hồ sơ nào đang bật: chọn loại nguồn, bật và lưu trước khi kiểm tra.")
    try:
        await asyncio.wait_for(source.lookup(CHECK_CODE), timeout=timeout + 1)
    except (SourceUnavailable, TimeoutError) as exc:
        reason = str(exc) or f"quá {timeout:g} giây không trả lời"
        hint = ""
        if isinstance(exc, SourceUnavailable) and exc.status in (401, 403):
            hint = " Nguồn từ chối truy cập: kiểm tra tên đăng nhập, mật khẩu hoặc mã truy cập (group_id với OpenCPS)."
        return Check(False, f"Nguồn KHÔNG trả lời được ({reason}).{hint}")
    what = "Nguồn dữ liệu mẫu" if source.name == "demo" else f"Nguồn {KIND_LABELS.get(source.name, source.name)}"
    return Check(True, f"{what} đã trả lời: tra thử mã {CHECK_CODE} (không có hồ sơ nào mang mã này, như mong đợi).")


@router.post("/dossiers/check")
async def check_connection(
    request: Request,
    factory: SessionFactoryDep,
    console: AdminConsole,
    settings: SettingsDep,
    csrf_token: Csrf = "",
) -> Response:
    auth.check_csrf(console, csrf_token)
    check = await check_source(factory, settings, commune_id=console.staff.commune_id)

    def page() -> Response:
        with transaction(factory) as session:
            return _page(request, session, console, settings, check=check)

    return await run_in_threadpool(page)
