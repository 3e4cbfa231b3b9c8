"""The review inbox's rules: which turns are kept for review, and an officer's confirm / correct / dismiss.

Keyword-only functions on a session; the console routes (api/nlu/console.py) and the capture hook call them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from api.cases import access
from api.conversations import service as conversations
from api.db import utcnow
from api.errors import Conflict, NotFound, ValidationFailed
from api.nlu.catalogue import Catalogue
from api.nlu.models import NluReview, Reason, ReviewStatus
from api.staff.models import Staff

FALLBACK_INTENT = "nlu_fallback"
MAX_TEXT = 2000


def reason_for(parse: dict[str, Any], *, threshold: float) -> Reason | None:
    """Kept for review: Rasa fell back, or its top intent is below ``threshold``."""
    intent = parse.get("intent") or {}
    if intent.get("name") in (None, FALLBACK_INTENT):
        return Reason.fallback
    if float(intent.get("confidence") or 0.0) < threshold:
        return Reason.low_confidence
    return None


def _predicted(parse: dict[str, Any]) -> tuple[str | None, float | None, list[dict[str, Any]], list[dict[str, Any]]]:
    intent = parse.get("intent") or {}
    ranking = parse.get("intent_ranking") or []
    name = intent.get("name")
    if name == FALLBACK_INTENT and ranking:
        # Rasa puts nlu_fallback first; the officer wants the model's best real guess.
        real = [r for r in ranking if r.get("name") != FALLBACK_INTENT]
        if real:
            name, confidence = real[0].get("name"), real[0].get("confidence")
        else:
            confidence = intent.get("confidence")
    else:
        confidence = intent.get("confidence")
    entities = [
        {"entity": str(e.get("entity")), "value": str(e.get("value")), "start": e.get("start"), "end": e.get("end")}
        for e in parse.get("entities") or []
        if e.get("entity")
    ]
    top = [{"name": r.get("name"), "confidence": r.get("confidence")} for r in ranking[:4]]
    return name, (float(confidence) if confidence is not None else None), entities, top


def record(
    session: Session,
    *,
    commune_id: int,
    conversation_id: str,
    text: str,
    parse: dict[str, Any],
    reason: Reason,
    inbox_event_id: int | None = None,
    flagged_by: Staff | None = None,
) -> NluReview:
    """Keep one message for review (once per inbound event: flagging a kept message only marks it flagged)."""
    existing = None
    if inbox_event_id is not None:
        existing = session.scalar(select(NluReview).where(NluReview.inbox_event_id == inbox_event_id))
    if existing is not None:
        if reason == Reason.flagged:
            existing.reason = Reason.flagged.value
            existing.flagged_by_id = flagged_by.id if flagged_by else existing.flagged_by_id
            if existing.status == ReviewStatus.dismissed.value:
                existing.status = ReviewStatus.pending.value
        return existing
    name, confidence, entities, top = _predicted(parse)
    conversations.ensure(session, conversation_id=conversation_id, commune_id=commune_id)
    row = NluReview(
        commune_id=commune_id,
        inbox_event_id=inbox_event_id,
        conversation_id=conversation_id,
        text=unicodedata.normalize("NFC", text)[:MAX_TEXT],
        reason=reason.value,
        intent=name,
        confidence=confidence,
        entities=entities,
        ranking=top,
        status=ReviewStatus.pending.value,
        flagged_by_id=flagged_by.id if flagged_by else None,
    )
    session.add(row)
    session.flush()
    return row


def _readable(staff: Staff) -> ColumnElement[bool]:
    """Review rows are citizens' words: the conversation access rule decides who reads them."""
    return access.visible(staff, NluReview.conversation_id, NluReview.commune_id)


def get(session: Session, *, staff: Staff, review_id: int) -> NluReview:
    row = session.scalar(select(NluReview).where(NluReview.id == review_id, _readable(staff)))
    if row is None:
        raise NotFound("Không tìm thấy câu cần duyệt.", code="review_not_found")
    return row


def listing(session: Session, *, staff: Staff, status: str, limit: int = 100) -> tuple[list[NluReview], dict[str, int]]:
    by_status = select(NluReview.status, func.count()).where(_readable(staff))
    counts = dict(session.execute(by_status.group_by(NluReview.status)).all())
    query = select(NluReview).where(_readable(staff), NluReview.status == status)
    order = NluReview.id.asc() if status == ReviewStatus.pending.value else NluReview.reviewed_at.desc()
    return list(session.scalars(query.order_by(order).limit(limit))), {k: int(v) for k, v in counts.items()}


_SPEC_ITEM = re.compile(r"^\s*(?P<entity>[a-z_]+)\s*:\s*(?P<span>[^=]+?)\s*(?:=\s*(?P<value>.+?))?\s*$")


def parse_entities(text: str, spec: str, catalogue: Catalogue) -> list[dict[str, Any]]:
    """``"procedure: giấy khai sinh = khai_sinh; hamlet: ấp 3"`` → entities with offsets into ``text``.

    Each item names the entity type, the words as they appear in the message, and optionally the canonical value
    (the words themselves when omitted). Words that are not in the message are a 422 naming them.
    """
    entities: list[dict[str, Any]] = []
    lowered = text.casefold()
    for raw in filter(None, (item.strip() for item in spec.replace("\n", ";").split(";"))):
        match = _SPEC_ITEM.match(raw)
        if match is None:
            raise ValidationFailed(
                f"Không đọc được thực thể «{raw}»: viết dạng «loại: cụm từ trong câu = giá trị».",
                code="invalid_entities", field="entities",
            )  # fmt: skip
        kind, span = match["entity"], match["span"].strip()
        if kind not in catalogue.entities:
            raise ValidationFailed(
                f"Loại thực thể «{kind}» không có trong mô hình (có: {', '.join(catalogue.entities)}).",
                code="unknown_entity", field="entities",
            )  # fmt: skip
        start = lowered.find(span.casefold())
        if start < 0:
            raise ValidationFailed(
                f"Cụm từ «{span}» không có trong câu của người dân.", code="span_not_in_text", field="entities"
            )
        value = (match["value"] or text[start : start + len(span)]).strip()
        entities.append({"entity": kind, "value": value, "start": start, "end": start + len(span)})
    spans = sorted((e["start"], e["end"]) for e in entities)
    if any(a[1] > b[0] for a, b in pairwise(spans)):
        raise ValidationFailed("Hai thực thể chồng lên nhau trong câu.", code="overlapping_entities", field="entities")
    return entities


def entity_spec(text: str, entities: list[dict[str, Any]]) -> str:
    """The editable form of entities (the inverse of ``parse_entities``)."""
    items = []
    for e in entities:
        start, end = e.get("start"), e.get("end")
        span = text[start:end] if isinstance(start, int) and isinstance(end, int) else str(e.get("value"))
        value = str(e.get("value"))
        items.append(f"{e['entity']}: {span}" + (f" = {value}" if value != span else ""))
    return "; ".join(items)


@dataclass(frozen=True)
class Decision:
    action: str  # confirm | correct | dismiss
    intent: str | None = None
    entities: str | None = None


def decide(session: Session, *, row: NluReview, staff: Staff, decision: Decision, catalogue: Catalogue) -> None:
    """Confirm the NLU's reading, correct it, or dismiss the message; a reviewed message can be reviewed again
    until it has been exported."""
    if row.exported_at is not None:
        raise Conflict("Câu này đã được xuất vào dữ liệu huấn luyện.", code="review_exported")
    if decision.action == "dismiss":
        row.status, row.reviewed_intent, row.reviewed_entities = ReviewStatus.dismissed.value, None, None
    elif decision.action == "confirm":
        if row.intent not in catalogue.intents:
            raise ValidationFailed("Mô hình chưa đoán được ý định: hãy chọn ý định đúng rồi bấm Lưu.",
                                   code="nothing_to_confirm", field="intent")  # fmt: skip
        row.status, row.reviewed_intent = ReviewStatus.confirmed.value, row.intent
        row.reviewed_entities = [dict(e) for e in row.entities]
    elif decision.action == "correct":
        if decision.intent not in catalogue.intents:
            raise ValidationFailed("Hãy chọn một ý định có trong mô hình.", code="unknown_intent", field="intent")
        entities = parse_entities(row.text, decision.entities or "", catalogue)
        same = decision.intent == row.intent and _pairs(entities) == _pairs(row.entities)
        row.status = (ReviewStatus.confirmed if same else ReviewStatus.corrected).value
        row.reviewed_intent, row.reviewed_entities = decision.intent, entities
    else:
        raise ValidationFailed("Thao tác không hợp lệ.", code="invalid_action", field="action")
    row.reviewed_by_id, row.reviewed_at = staff.id, utcnow()


def _pairs(entities: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(str(e.get("entity")), str(e.get("value"))) for e in entities}


def reviewed_for_export(session: Session, *, commune_id: int | None = None) -> list[NluReview]:
    query = select(NluReview).where(
        NluReview.status.in_((ReviewStatus.confirmed.value, ReviewStatus.corrected.value)),
        NluReview.exported_at.is_(None),
    )
    if commune_id is not None:
        query = query.where(NluReview.commune_id == commune_id)
    return list(session.scalars(query.order_by(NluReview.id)))
