"""The action server asks the gateway whether a message is an emergency (one triage, in the gateway)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth.deps import ServiceCaller
from api.safety.lexicon import classify
from api.safety.triage import decide

router = APIRouter(prefix="/api/v1/internal/safety", tags=["internal"])


class ClassifyRequest(BaseModel):
    text: str = Field(min_length=1, max_length=4000, examples=["bố tôi đau ngực dữ dội khó thở"])


class VerdictRead(BaseModel):
    emergency: bool
    situation: str | None = Field(description="Tình huống cấp cứu (knowledge/health/cap_cuu.yml), nếu có")
    reason: str = Field(description="emergency | guidance (a question, mild, fever) | now | past | question")
    suspect: bool


@router.post("/classify", response_model=VerdictRead, summary="Tin nhắn có phải tình huống cấp cứu không")
def classify_message(body: ClassifyRequest, _caller: ServiceCaller) -> VerdictRead:
    decision = decide(body.text)
    verdict = classify(body.text)
    reason = "emergency" if decision.emergency else decision.reading.when if decision.action == "none" else "guidance"
    return VerdictRead(
        emergency=decision.emergency,
        situation=decision.situation if decision.emergency else None,
        reason=reason,
        suspect=verdict.suspect and not decision.emergency,
    )
