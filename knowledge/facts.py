"""The one loader of knowledge/procedures/*.yml, shared by the action server (.venv-rasa, Python 3.10) and the
gateway's staff console (.venv): plain Python and PyYAML only, so both environments import it unchanged.

Every procedure fact (who, documents, time, deadline, fee, where) carries its legal basis to the article, the date
and author of its last review, and its validity dates. A fact whose basis cannot yet be cited to the article says
so in ``review_note`` and is listed for review instead of passing silently.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

KNOWLEDGE_DIR = Path(__file__).resolve().parent
FACT_ASPECTS = ("who", "documents", "time", "deadline", "fee", "where", "online")  # online: how to file on the portal
REQUIRED_ASPECTS = ("who", "documents", "time", "fee", "where")  # deadline only where the law sets one
REVIEW_INTERVAL = timedelta(days=365)
ARTICLE_RE = re.compile(r"\bĐiều\s+\d+")
VIETNAM_TZ = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh has no daylight saving time
TODAY_ENV = "XASO_TODAY"  # YYYY-MM-DD: freezes "today" for every reader of the facts (tests, a staff rehearsal)


def vietnam_today(now: datetime | None = None) -> date:
    """The date in Vietnam, which decides which dated fact is in force: a waiver that starts on 15/08 starts at
    00:00 in Hà Nội, not at 07:00 when the UTC date turns. ``XASO_TODAY`` overrides the clock."""
    frozen = os.environ.get(TODAY_ENV, "").strip()
    if frozen and now is None:
        try:
            return date.fromisoformat(frozen)
        except ValueError as exc:
            raise KnowledgeError(f"{TODAY_ENV} phải là ngày dạng YYYY-MM-DD (đang là {frozen!r})") from exc
    moment = now or datetime.now(timezone.utc)  # noqa: UP017 (datetime.UTC is 3.11+, the action server runs 3.10)
    if moment.tzinfo is None:
        raise ValueError("vietnam_today needs an aware datetime")
    return moment.astimezone(VIETNAM_TZ).date()


class KnowledgeError(ValueError):
    """A knowledge file is malformed; the message names the file and the field."""


# The two levels of an online public service, Điều 11 Nghị định 42/2022/NĐ-CP (khoản 1: toàn trình, every step online
# and the result delivered online or by post; khoản 2: một phần, some step still done in person), and "none yet".
ONLINE_LEVELS = {
    "toan_trinh": "toàn trình",
    "mot_phan": "một phần",
    "chua_co": "chưa có dịch vụ công trực tuyến",
}
# What the filing link is: the procedure's own page on a portal (needs its ``ma_thu_tuc``), the portal's search for the
# procedure's name (when the page id cannot be known offline: never invent one), or the portal's home page.
LINK_KINDS = {"page": "ma_thu_tuc", "search": "key", "portal": ""}


@dataclass(frozen=True)
class OnlineService:
    """How a procedure is filed online: its level, the filing link and what kind of link it is, with the basis of the
    level and its review like every fact."""

    level: str  # a key of ONLINE_LEVELS
    url: str | None
    link: str  # a key of LINK_KINDS, "" when there is no url
    basis: tuple[str, ...]
    reviewed_on: date
    reviewed_by: str
    review_note: str = ""
    review_by: date | None = None

    @property
    def label(self) -> str:
        return ONLINE_LEVELS[self.level]

    @property
    def available(self) -> bool:
        return self.level != "chua_co" and bool(self.url)


@dataclass(frozen=True)
class Fact:
    aspect: str
    text: str
    items: tuple[str, ...]
    basis: tuple[str, ...]
    reviewed_on: date
    reviewed_by: str
    valid_from: date
    valid_until: date | None = None
    valid_until_note: str = ""
    review_note: str = ""
    review_by: date | None = None  # set when a rule must be re-read earlier than 12 months (e.g. a waiver's end)

    def review_due(self) -> date:
        return self.review_by or self.reviewed_on + REVIEW_INTERVAL

    def review_overdue(self, today: date) -> bool:
        return today > self.review_due()

    def in_force(self, today: date) -> bool:
        return self.valid_from <= today and (self.valid_until is None or today <= self.valid_until)

    def uncited(self) -> tuple[str, ...]:
        """Basis items that name no article ("Điều N")."""
        return tuple(item for item in self.basis if not ARTICLE_RE.search(item))

    def citation(self) -> str:
        return "; ".join(self.basis)


@dataclass(frozen=True)
class ProcedureFacts:
    id: str
    name: str
    summary: str
    keywords: tuple[str, ...]
    online_url: str | None
    online_note: str
    # Each aspect holds one fact, or several dated versions of it (a temporary waiver between the rule before and
    # the rule after), ordered by valid_from, never overlapping: the version in force on the day asked answers.
    variants: Mapping[str, tuple[Fact, ...]]
    path: Path
    # Procedures this one is a part of: asked with the parent's words plus its own ("chấm dứt giám hộ"), the bot
    # answers with this procedure, not the parent.
    refines: tuple[str, ...] = ()
    online: OnlineService | None = None  # the ``online`` block: level and filing link

    def fact(self, aspect: str, today: date) -> Fact | None:
        """The version in force on ``today``; out of force on every version, the latest that started (shown with a
        warning), or the first when none has started yet."""
        versions = self.variants.get(aspect, ())
        if not versions:
            return None
        started = [fact for fact in versions if fact.valid_from <= today]
        in_force = [fact for fact in started if fact.in_force(today)]
        if in_force:
            return in_force[-1]
        return started[-1] if started else versions[0]

    def on(self, today: date) -> dict[str, Fact]:
        return {aspect: fact for aspect in FACT_ASPECTS if (fact := self.fact(aspect, today)) is not None}

    @property
    def facts(self) -> dict[str, Fact]:
        """The facts in force today in Vietnam (``vietnam_today``)."""
        return self.on(vietnam_today())

    def current(self, today: date) -> list[Fact]:
        """Every version that still matters on ``today``: in force or yet to come, and the answering version even
        when it has ended (an ended rule nobody replaced is a gap to fix); superseded versions are history."""
        kept: list[Fact] = []
        for aspect in FACT_ASPECTS:
            answering = self.fact(aspect, today)
            for fact in self.variants.get(aspect, ()):
                if fact is answering or fact.valid_from > today:
                    kept.append(fact)
        return kept

    def legal(self, today: date | None = None) -> tuple[str, ...]:
        """Every basis cited by the procedure's facts in force, first mention first."""
        seen: dict[str, None] = {}
        for fact in self.on(today or vietnam_today()).values():
            for item in fact.basis:
                seen.setdefault(item, None)
        return tuple(seen)


def _review(data: dict[str, Any], where: str) -> tuple[str, date, date | None]:
    """Who reviewed a fact, when, and when it must be reviewed again (not before the review)."""
    reviewed_by = str(data.get("reviewed_by") or "").strip()
    if not reviewed_by:
        raise KnowledgeError(f"{where}: thiếu người rà soát 'reviewed_by'")
    reviewed_on = _date(data.get("reviewed_on"), where, "reviewed_on")
    assert reviewed_on is not None
    review_by = _date(data.get("review_by"), where, "review_by", required=False)
    if review_by is not None and review_by < reviewed_on:
        raise KnowledgeError(f"{where}: 'review_by' trước 'reviewed_on'")
    return reviewed_by, reviewed_on, review_by


def _date(value: Any, where: str, field: str, *, required: bool = True) -> date | None:
    if value is None and not required:
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise KnowledgeError(f"{where}: '{field}' phải là ngày dạng YYYY-MM-DD (đang là {value!r})")


def _strings(value: Any, where: str, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(f"{where}: '{field}' phải là danh sách chuỗi, không rỗng")
    return tuple(v.strip() for v in value)


def parse_fact(aspect: str, data: Any, where: str) -> Fact:
    where = f"{where}: facts.{aspect}"
    if not isinstance(data, dict):
        raise KnowledgeError(f"{where}: phải là một mục có text/items, basis, reviewed_on, reviewed_by, valid_from")
    items: tuple[str, ...] = ()
    if aspect == "documents":
        items = _strings(data.get("items"), where, "items")
        text = "; ".join(items)
    else:
        text = str(data.get("text") or "").strip()
        if not text:
            raise KnowledgeError(f"{where}: thiếu 'text'")
    if "basis" not in data:
        raise KnowledgeError(f"{where}: thiếu căn cứ pháp lý 'basis'")
    reviewed_by, reviewed_on, review_by = _review(data, where)
    valid_from = _date(data.get("valid_from"), where, "valid_from")
    valid_until = _date(data.get("valid_until"), where, "valid_until", required=False)
    assert valid_from is not None
    if valid_until is not None and valid_until < valid_from:
        raise KnowledgeError(f"{where}: 'valid_until' trước 'valid_from'")
    return Fact(
        aspect=aspect,
        text=text,
        items=items,
        basis=_strings(data.get("basis"), where, "basis"),
        reviewed_on=reviewed_on,
        reviewed_by=reviewed_by,
        valid_from=valid_from,
        valid_until=valid_until,
        valid_until_note=str(data.get("valid_until_note") or "").strip(),
        review_note=str(data.get("review_note") or "").strip(),
        review_by=review_by,
    )


def parse_versions(aspect: str, data: Any, where: str) -> tuple[Fact, ...]:
    """One fact, or a list of dated versions whose validity periods do not overlap."""
    if not isinstance(data, list):
        return (parse_fact(aspect, data, where),)
    if not data:
        raise KnowledgeError(f"{where}: facts.{aspect}: danh sách phiên bản rỗng")
    versions = sorted((parse_fact(aspect, item, where) for item in data), key=lambda fact: fact.valid_from)
    for before, after in pairwise(versions):
        if before.valid_until is None or before.valid_until >= after.valid_from:
            raise KnowledgeError(
                f"{where}: facts.{aspect}: phiên bản từ {before.valid_from:%d/%m/%Y} chồng lên phiên bản từ "
                f"{after.valid_from:%d/%m/%Y} (phiên bản trước cần 'valid_until' sớm hơn)"
            )
    return tuple(versions)


def _portal_url(url: Any, link: Any, where: str) -> str:
    """A real, checkable address on a public-service portal (https, a .gov.vn host) of the kind ``link`` says."""
    if not isinstance(url, str) or not url.strip():
        raise KnowledgeError(f"{where}: thiếu 'url' (đường dẫn nộp trực tuyến)")
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not (host == "gov.vn" or host.endswith(".gov.vn")):
        raise KnowledgeError(f"{where}: 'url' phải là địa chỉ https trên cổng dịch vụ công (.gov.vn), đang là {url!r}")
    if link not in LINK_KINDS:
        raise KnowledgeError(f"{where}: 'link' phải là một trong: {', '.join(LINK_KINDS)} (đang là {link!r})")
    query = parse_qs(parts.query)
    param = LINK_KINDS[link]
    if param and not "".join(query.get(param, ())).strip():
        raise KnowledgeError(f"{where}: đường dẫn loại '{link}' phải có tham số '{param}' trong 'url'")
    if not param and (parts.query or parts.path not in ("", "/")):
        raise KnowledgeError(f"{where}: đường dẫn loại 'portal' là trang chủ cổng, không có đường dẫn con hay tham số")
    return url.strip()


def parse_online(data: Any, where: str) -> OnlineService:
    where = f"{where}: online"
    if not isinstance(data, dict):
        raise KnowledgeError(f"{where}: phải là một mục có level, url, link, note, basis, reviewed_on, reviewed_by")
    level = data.get("level")
    if level not in ONLINE_LEVELS:
        raise KnowledgeError(f"{where}: 'level' phải là một trong: {', '.join(ONLINE_LEVELS)} (đang là {level!r})")
    url: str | None = None
    link = ""
    if level == "chua_co":
        if data.get("url") or data.get("link"):
            raise KnowledgeError(f"{where}: thủ tục chưa có dịch vụ trực tuyến (chua_co) thì không ghi 'url', 'link'")
    else:
        link = str(data.get("link") or "")
        url = _portal_url(data.get("url"), link, where)
    reviewed_by, reviewed_on, review_by = _review(data, where)
    return OnlineService(
        level=str(level), url=url, link=link, basis=_strings(data.get("basis"), where, "basis"),
        reviewed_on=reviewed_on, reviewed_by=reviewed_by, review_note=str(data.get("review_note") or "").strip(),
        review_by=review_by,
    )  # fmt: skip


def load_procedure(path: Path) -> ProcedureFacts:
    where = path.name
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise KnowledgeError(f"{where}: tệp phải là một mục (mapping)")
    for key in ("id", "name"):
        if not data.get(key):
            raise KnowledgeError(f"{where}: thiếu '{key}'")
    raw_facts = data.get("facts")
    if not isinstance(raw_facts, dict):
        raise KnowledgeError(f"{where}: thiếu mục 'facts'")
    unknown = sorted(set(raw_facts) - set(FACT_ASPECTS))
    if unknown:
        raise KnowledgeError(f"{where}: dữ kiện không biết: {', '.join(unknown)} (chỉ {', '.join(FACT_ASPECTS)})")
    missing = [aspect for aspect in REQUIRED_ASPECTS if aspect not in raw_facts]
    if missing:
        raise KnowledgeError(f"{where}: thiếu dữ kiện {', '.join(missing)}")
    variants = {
        aspect: parse_versions(aspect, raw_facts[aspect], where) for aspect in FACT_ASPECTS if aspect in raw_facts
    }
    raw_online = data.get("online")
    online = parse_online(raw_online, where) if raw_online is not None else None
    note = str(raw_online.get("note") or "") if isinstance(raw_online, dict) else ""
    return ProcedureFacts(
        id=str(data["id"]),
        name=str(data["name"]),
        summary=str(data.get("summary") or ""),
        keywords=tuple(str(k) for k in data.get("keywords") or ()),
        online_url=online.url if online is not None else None,
        online_note=note,
        variants=variants,
        path=path,
        refines=tuple(str(r) for r in data.get("refines") or ()),
        online=online,
    )


def load_procedures(directory: Path | None = None) -> dict[str, ProcedureFacts]:
    folder = (directory or KNOWLEDGE_DIR) / "procedures"
    loaded = [load_procedure(path) for path in sorted(folder.glob("*.yml"))]
    for proc in loaded:
        if proc.path.stem != proc.id:
            raise KnowledgeError(f"{proc.path.name}: 'id' ({proc.id}) phải trùng tên tệp")
    return {proc.id: proc for proc in loaded}
