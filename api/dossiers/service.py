"""Dossier lookups for a conversation: which source a commune uses, the citizen-facing text, watches (keyword-only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.config import Settings
from api.dossiers.demo import DemoSource
from api.dossiers.http import HttpPolicy
from api.dossiers.jsonhttp import JsonHttpSource
from api.dossiers.models import KINDS, DossierLookup, DossierSourceConfig, DossierWatch
from api.dossiers.opencps import OpenCpsSource
from api.dossiers.schemas import SourceRead
from api.dossiers.source import DossierSource, DossierStatus
from api.dossiers.statuses import BRING, Stage
from api.errors import ValidationFailed

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UNAVAILABLE = (
    "Dạ, hệ thống một cửa của tỉnh hiện không trả lời nên em chưa tra cứu được hồ sơ {code}. Anh/chị thử lại sau ít "
    "phút, hoặc gọi bộ phận Một cửa của xã{phones} để được tra giúp ạ."
)
FINAL = (Stage.done, Stage.stopped)


def policy(settings: Settings) -> HttpPolicy:
    return HttpPolicy(timeout=settings.dossier_timeout_seconds, retries=settings.dossier_retries)


def source_config(session: Session, *, commune_id: int) -> DossierSourceConfig | None:
    return session.scalar(select(DossierSourceConfig).where(DossierSourceConfig.commune_id == commune_id))


def source_read(row: DossierSourceConfig | None, *, settings: Settings) -> SourceRead:
    """The commune's source as staff see it (secrets named, never shown): its own row, else the demo source when the
    settings allow it, else none."""
    if row is None:
        kind = "demo" if settings.dossier_demo else "none"
        return SourceRead(kind=kind, enabled=settings.dossier_demo, config={}, secret_keys=[])
    return SourceRead(
        kind=row.kind, enabled=row.enabled, config=dict(row.config or {}), secret_keys=sorted(row.secrets or {})
    )


def build_source(
    row: DossierSourceConfig | None,
    *,
    factory: sessionmaker[Session],
    commune_id: int,
    settings: Settings,
    http: HttpPolicy | None = None,
) -> DossierSource | None:
    """The commune's adapter; the demo source when nothing is configured and ``XASO_DOSSIER_DEMO`` is on. ``http``
    replaces the settings' timeout and retries (the console's connection check answers within seconds)."""
    if row is None:
        return DemoSource(factory, commune_id=commune_id) if settings.dossier_demo else None
    if not row.enabled:
        return None
    config, secrets = dict(row.config or {}), dict(row.secrets or {})
    if row.kind == "opencps":
        return OpenCpsSource(
            base_url=str(config.get("base_url") or ""),
            group_id=str(config.get("group_id") or ""),
            username=str(secrets.get("username") or ""),
            password=str(secrets.get("password") or ""),
            policy=http or policy(settings),
        )
    if row.kind == "json":
        return JsonHttpSource(config=config, secrets=secrets, policy=http or policy(settings))
    return DemoSource(factory, commune_id=commune_id)


def check_base_url(value: Any) -> str:
    """An address the adapters can call: http(s), a host, no credentials or spaces in it (those go in the secrets)."""
    url = str(value or "").strip()
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or parts.port > 0  # .port raises ValueError on "host:abc" or "host:99999"
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok or any(c.isspace() for c in url):
        raise ValidationFailed(
            f"Địa chỉ base_url không hợp lệ (đang là {url[:200]!r}): cần dạng https://tên-máy-chủ[:cổng][/đường-dẫn].",
            code="invalid_base_url",
            field="config",
        )
    if parts.username or parts.password:
        raise ValidationFailed(
            "Không ghi tên đăng nhập, mật khẩu trong base_url: nhập chúng ở ô khóa bí mật.",
            code="invalid_base_url",
            field="config",
        )
    return url


def configure_source(
    session: Session,
    *,
    commune_id: int,
    kind: str,
    config: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
    enabled: bool = True,
) -> DossierSourceConfig:
    """Set a commune's source; given secrets replace stored ones with the same key, others are kept."""
    if kind not in KINDS:
        raise ValidationFailed(f"Loại nguồn phải là một trong: {', '.join(KINDS)}.", code="invalid_kind", field="kind")
    config = dict(config or {})
    if kind in ("opencps", "json") and not str(config.get("base_url") or "").strip():
        raise ValidationFailed("Cần địa chỉ base_url (http:// hoặc https://).", code="invalid_base_url", field="config")
    if kind in ("opencps", "json"):
        config["base_url"] = check_base_url(config["base_url"])
    if kind == "opencps" and not str(config.get("group_id") or "").strip():
        raise ValidationFailed("OpenCPS cần group_id của cổng.", code="invalid_group_id", field="config")
    row = source_config(session, commune_id=commune_id)
    if row is None:
        row = DossierSourceConfig(commune_id=commune_id, config={}, secrets={})
        session.add(row)
    row.kind, row.enabled, row.config = kind, enabled, config
    row.secrets = {**(row.secrets or {}), **(secrets or {})}
    if kind == "json":
        try:
            JsonHttpSource(config=config, secrets=row.secrets)  # refuses a malformed status_map now, not at lookup time
        except (ValueError, TypeError, AttributeError) as exc:
            raise ValidationFailed(
                "Cấu hình nguồn JSON không hợp lệ: status_map phải ánh xạ mã trạng thái của tỉnh sang một trong "
                f"{', '.join(stage.value for stage in Stage)}; fields là các cặp tên → đường dẫn trường.",
                code="invalid_json_config",
                field="config",
            ) from exc
    session.flush()
    return row


def _day(moment: datetime | None) -> str | None:
    return moment.astimezone(VN).strftime("%d/%m/%Y") if moment else None


def status_text(status: DossierStatus) -> str:
    """What the citizen reads: status in plain words, dates, department, what is missing, what to bring."""
    lead = "[DỮ LIỆU MẪU] " if status.demo else ""
    what = f" ({status.procedure})" if status.procedure else ""
    lines = [f"{lead}Dạ, hồ sơ {status.code}{what}: {status.status_label}."]
    if status.received_at:
        lines.append(f"Ngày tiếp nhận: {_day(status.received_at)}.")
    if status.due_at and status.stage not in FINAL:
        lines.append(f"Ngày hẹn trả kết quả: {_day(status.due_at)}.")
    if status.department:
        lines.append(f"Đơn vị giải quyết: {status.department}.")
    if status.stage == Stage.missing:
        lines.append(
            f"Cần bổ sung: {status.missing}." if status.missing else "Anh/chị cần bổ sung giấy tờ theo yêu cầu."
        )
        lines.append("Anh/chị mang giấy tờ bổ sung đến bộ phận Một cửa của xã, kèm giấy biên nhận.")
    if status.stage == Stage.ready:
        lines.append(BRING)
    return "\n".join(lines)


def change_text(status: DossierStatus) -> str:
    return "Hồ sơ của anh/chị vừa có cập nhật.\n" + status_text(status)


def unavailable_text(code: str | None, phones: list[str] | None) -> str:
    return UNAVAILABLE.format(code=code or "", phones=f" ({phones[0]})" if phones else "").replace("  ", " ")


def record_lookup(
    session: Session, *, commune_id: int, conversation_id: str, code: str | None, by: str, outcome: str, source: str
) -> None:
    session.add(
        DossierLookup(
            commune_id=commune_id, conversation_id=conversation_id, code=code, by=by, outcome=outcome, source=source
        )
    )


def watch(
    session: Session, *, commune_id: int, conversation_id: str, code: str, status: str
) -> tuple[DossierWatch, bool]:
    """Start (or restart) watching; returns the row and whether it was new or inactive before."""
    row = session.scalar(
        select(DossierWatch).where(DossierWatch.conversation_id == conversation_id, DossierWatch.code == code)
    )
    if row is None:
        row = DossierWatch(commune_id=commune_id, conversation_id=conversation_id, code=code, last_status=status)
        session.add(row)
        session.flush()
        return row, True
    started = not row.active
    row.active, row.last_status, row.failures = True, status, 0
    return row, started
