"""A lookup asked from a conversation: the commune from the conversation id, the source, the answer and its record.

Privacy: by code only the non-personal status fields are shown (the source's personal fields are never read); by
phone only the phone the channel itself vouches for (a Zalo or Telegram identity's phone, never the web widget's,
where anyone can type anyone's number), and only when the source has a phone filter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.citizens.service import citizen_for_conversation
from api.communes.models import Commune
from api.communes.service import find_commune
from api.config import Settings
from api.dossiers import service
from api.dossiers.source import DossierSource, DossierStatus, LookupNotSupported, SourceUnavailable, clean_code
from api.errors import NotFound, ValidationFailed
from api.infra.writes import write_transaction
from channels.ids import ConversationId

PHONE_CHANNELS = ("zalo", "telegram")
ASK_CODE = (
    "Dạ, anh/chị cho em xin mã hồ sơ in trên giấy biên nhận (phiếu hẹn trả kết quả), ví dụ "
    "000.00.07.H12-261130-0012, em tra cứu ngay ạ."
)
NOT_FOUND = (
    "Dạ, em không tìm thấy hồ sơ mã {code} trong hệ thống một cửa. Anh/chị kiểm tra lại mã trên giấy biên nhận "
    "(cả dấu chấm, gạch ngang) giúp em ạ."
)
WATCH_HINT = "Anh/chị muốn em báo khi hồ sơ có thay đổi thì bấm “Báo khi có thay đổi” ạ."


class RegisterConversation(Protocol):
    """Makes sure the conversation has its row (``api.conversations.service.ensure``, registered by api/routers.py:
    the dossiers sit below the conversations): a lookup's and a watch's rows hold a foreign key to it."""

    def __call__(self, session: Session, *, conversation_id: str, commune_id: int) -> None: ...


@dataclass
class Answer:
    text: str
    available: bool = True
    found: bool = False
    demo: bool = False
    status: dict[str, Any] | None = None
    watchable: bool = False
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Where:
    commune_id: int
    phones: list[str]
    source: DossierSource | None
    channel: str
    register: RegisterConversation


def _where(
    factory: sessionmaker[Session], settings: Settings, conversation_id: str, register: RegisterConversation
) -> Where:
    parsed = ConversationId.try_parse(conversation_id)
    if parsed is None:
        raise ValidationFailed("Mã hội thoại không hợp lệ.", code="invalid_conversation_id", field="conversation_id")
    with factory() as session:
        commune: Commune | None = find_commune(session, slug=parsed.commune)
        if commune is None:
            raise NotFound("Không có xã này.", code="commune_not_found")
        row = service.source_config(session, commune_id=commune.id)
        source = service.build_source(row, factory=factory, commune_id=commune.id, settings=settings)
        return Where(commune.id, list(commune.phones or []), source, parsed.channel, register)


def _record(
    factory: sessionmaker[Session], where: Where, conversation_id: str, code: str | None, by: str, outcome: str
) -> None:
    with write_transaction(factory) as session:
        where.register(session, conversation_id=conversation_id, commune_id=where.commune_id)
        service.record_lookup(
            session, commune_id=where.commune_id, conversation_id=conversation_id, code=code, by=by, outcome=outcome,
            source=where.source.name if where.source else "none",
        )  # fmt: skip


async def _lookup(where: Where, code: str) -> DossierStatus | None:
    assert where.source is not None
    return await where.source.lookup(code)


async def by_code(
    factory: sessionmaker[Session], settings: Settings, *, conversation_id: str, code: str,
    register: RegisterConversation, by: str = "code",
) -> Answer:  # fmt: skip
    where = await run_in_threadpool(_where, factory, settings, conversation_id, register)
    cleaned = clean_code(code)
    if cleaned is None:
        raise ValidationFailed("Mã hồ sơ không hợp lệ.", code="invalid_dossier_code", field="code")
    if where.source is None:
        await run_in_threadpool(_record, factory, where, conversation_id, cleaned, by, "unsupported")
        return Answer(
            "Dạ, xã chưa kết nối với hệ thống một cửa nên em chưa tra cứu được hồ sơ. Anh/chị gọi bộ phận Một cửa"
            + (f" ({where.phones[0]})" if where.phones else "") + " để được tra giúp ạ.",
            available=False,
        )  # fmt: skip
    try:
        status = await _lookup(where, cleaned)
    except SourceUnavailable:
        await run_in_threadpool(_record, factory, where, conversation_id, cleaned, by, "unavailable")
        return Answer(service.unavailable_text(cleaned, where.phones), available=False)
    if status is None:
        await run_in_threadpool(_record, factory, where, conversation_id, cleaned, by, "not_found")
        return Answer(NOT_FOUND.format(code=cleaned))
    await run_in_threadpool(_record, factory, where, conversation_id, status.code, by, status.stage.value)
    watchable = status.stage not in service.FINAL
    text = service.status_text(status) + (f"\n{WATCH_HINT}" if watchable else "")
    return Answer(text, found=True, demo=status.demo, status=status.as_dict(), watchable=watchable)


def _channel_phone(factory: sessionmaker[Session], conversation_id: str) -> str | None:
    with factory() as session:
        citizen = citizen_for_conversation(session, conversation_id=conversation_id)
        return citizen.phone if citizen and citizen.phone and not citizen.erased_at else None


async def by_phone(
    factory: sessionmaker[Session], settings: Settings, *, conversation_id: str, register: RegisterConversation
) -> Answer:
    """The dossiers filed with the phone the channel knows; asks for the code whenever that is not possible."""
    where = await run_in_threadpool(_where, factory, settings, conversation_id, register)
    phone = (
        await run_in_threadpool(_channel_phone, factory, conversation_id) if where.channel in PHONE_CHANNELS else None
    )
    if where.source is None or phone is None:
        return Answer(ASK_CODE)
    try:
        found = await where.source.by_phone(phone)
    except LookupNotSupported:
        return Answer(ASK_CODE)
    except SourceUnavailable:
        await run_in_threadpool(_record, factory, where, conversation_id, None, "phone", "unavailable")
        return Answer(service.unavailable_text(None, where.phones), available=False)
    await run_in_threadpool(_record, factory, where, conversation_id, None, "phone", f"{len(found)} hồ sơ")
    if not found:
        return Answer(ASK_CODE)
    text = "\n\n".join(service.status_text(s) for s in found[:3])
    return Answer(text, found=True, demo=any(s.demo for s in found), items=[s.as_dict() for s in found[:3]])


async def start_watch(
    factory: sessionmaker[Session], settings: Settings, *, conversation_id: str, code: str,
    register: RegisterConversation,
) -> Answer:  # fmt: skip
    """Look the dossier up once (its current status is the baseline), then watch it."""
    answer = await by_code(
        factory, settings, conversation_id=conversation_id, code=code, by="subscribe", register=register
    )
    if not answer.found or answer.status is None:
        return answer
    if not answer.watchable:
        return Answer("Dạ, hồ sơ này đã kết thúc nên không còn thay đổi để báo ạ.", found=True, status=answer.status)
    where = await run_in_threadpool(_where, factory, settings, conversation_id, register)
    status = answer.status

    def write() -> None:
        with write_transaction(factory) as session:
            where.register(session, conversation_id=conversation_id, commune_id=where.commune_id)
            service.watch(
                session, commune_id=where.commune_id, conversation_id=conversation_id, code=str(status["code"]),
                status=str(status["status_code"]),
            )  # fmt: skip

    await run_in_threadpool(write)
    text = (
        f"Dạ, em sẽ nhắn anh/chị ngay tại đây khi hồ sơ {status['code']} có thay đổi (đang xử lý, cần bổ sung, có "
        "kết quả); em thôi báo khi hồ sơ đã trả kết quả."
    )
    return Answer(text, found=True, demo=answer.demo, status=status)
