"""The action server asks the gateway whether a message is an emergency (one lexicon, in the gateway)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ServiceCaller
from api.safety.lexicon import classify

router = APIRouter(prefix="/api/v1/internal/safety", tags=["internal"])


class ClassifyRequest(BaseModel):
    text: str = Field(min_length=1, max_length=4000, examples=["bố tôi đau ngực dữ dội khó thở"])


class VerdictRead(BaseModel):
    emergency: bool
    situation: str | None = Field(description="Tình huống cấp cứu (knowledge/health/cap_cuu.yml), nếu có")
    reason: str = Field(description="emergency | negated | past | general | thing | none")
    suspect: bool


@router.post("/classify", response_model=VerdictRead, summary="Tin nhắn có phải tình huống cấp cứu không")
def classify_message(body: ClassifyRequest, _caller: ServiceCaller) -> VerdictRead:
    verdict = classify(body.text)
    return VerdictRead(
        emergency=verdict.emergency, situation=verdict.situation, reason=verdict.reason, suspect=verdict.suspect
    )
