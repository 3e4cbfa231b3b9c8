"""The action server's view of cases (service token only): file a case, and check status for its own citizen."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy.exc import IntegrityError

from api.auth.deps import ServiceCaller
from api.auth.inputs import reject_nul
from api.cases import views
from api.cases.booking import ConsultationBooking
from api.cases.catalog import Kind
from api.cases.consent import withhold_without_consent
from api.cases.creation import find_commune_ref
from api.cases.flows import file_from_conversation
from api.cases.schemas import InternalCaseCreate, InternalCaseList, InternalCaseRead
from api.cases.service import case_filed_in_turn, case_for_conversation, cases_for_conversation
from api.db import utcnow
from api.deps import SessionDep, SessionFactoryDep
from api.infra.budgets import budgets
from api.infra.writes import write_transaction
from api.openapi_docs import ERROR_RESPONSES
from channels.ids import ConversationId

router = APIRouter(
    prefix="/api/v1/internal/cases", tags=["internal"], responses=ERROR_RESPONSES, dependencies=[Depends(reject_nul)]
)
ConversationQuery = Annotated[str, Query(min_length=3, max_length=255, description="zalo:<xã>:<id>, tg:…, web:…")]


def _spend_web_budget(request: Request, conversation_id: str) -> None:
    """Cases filed from the anonymous web chat spend the session's and the address's budget (api/infra/budgets.py)."""
    parsed = ConversationId.try_parse(conversation_id)
    if parsed is not None and parsed.channel == "web":
        budgets(request).case(sender=parsed.external)


def _booking(request: Request) -> ConsultationBooking:
    booking: ConsultationBooking = request.app.state.consultation_booking  # api/routers.py
    return booking


@router.post(
    "",
    response_model=InternalCaseRead,
    status_code=status.HTTP_201_CREATED,
    summary="Tạo hồ sơ từ hội thoại (máy chủ action)",
)
def create(
    body: InternalCaseCreate, request: Request, factory: SessionFactoryDep, _caller: ServiceCaller, response: Response
) -> InternalCaseRead:
    # The bot's hot path: its own transaction, committed before the answer is sent; on SQLite it queues behind the
    # same in-process writer lock as the channels, the inbox and the outbox (one writer at a time per database).
    # A turn run again (a Rasa replica died after the action filed, a retry) gets the case it filed, with 200.
    for attempt in (1, 2):
        try:
            with write_transaction(factory) as session:
                if body.turn_id and (
                    filed := case_filed_in_turn(
                        session, turn_id=body.turn_id, kind=body.kind.value, conversation_id=body.conversation_id
                    )
                ):
                    response.status_code = status.HTTP_200_OK
                    read = views.internal(session, filed)
                    calendar = find_commune_ref(session, slug=body.commune).calendar
                    read.appointment = _booking(request).brief_for_case(session, case_id=filed.id, calendar=calendar)
                    return read
                _spend_web_budget(request, body.conversation_id)  # a 429 the action relays politely
                consent = getattr(request.app.state, "health_consent", None)
                stored = withhold_without_consent(session, body, consent)
                case, commune = file_from_conversation(session, body=stored)
                created = views.internal_created(case)
                if body.kind == Kind.consultation:  # the wished time is not health text: read from what was sent
                    created.appointment = _booking(request).book(
                        session, case=case, commune=commune, now=utcnow(),
                        consult_time=body.consult_time, description=body.description,
                        base_url=request.app.state.settings.video_base_url,
                    )  # fmt: skip
            return created
        except IntegrityError:
            if attempt == 2:
                raise  # neither the first-message race nor two replicas filing one turn at once: a real bug
    raise AssertionError("unreachable")


@router.get("", response_model=InternalCaseList, summary="Các hồ sơ của người dân trong hội thoại này")
def list_for_conversation(
    conversation_id: ConversationQuery, session: SessionDep, _caller: ServiceCaller
) -> InternalCaseList:
    return InternalCaseList(
        items=[views.internal(session, c) for c in cases_for_conversation(session, conversation_id=conversation_id)]
    )


@router.get("/{code}", response_model=InternalCaseRead, summary="Tra cứu hồ sơ (chỉ người đã gửi)")
def read_for_conversation(
    code: str, conversation_id: ConversationQuery, session: SessionDep, _caller: ServiceCaller
) -> InternalCaseRead:
    return views.internal(session, case_for_conversation(session, code=code, conversation_id=conversation_id))
