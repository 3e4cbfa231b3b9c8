from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

MAX_TEXT_LENGTH = 2000


class ParseRequest(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH, examples=["cho em hỏi làm giấy khai sinh cần gì ạ"])

    @field_validator("text")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be blank")
        return value


class IntentRead(BaseModel):
    name: str | None
    confidence: float


class EntityRead(BaseModel):
    entity: str
    value: str
    start: int | None = None
    end: int | None = None
    extractor: str | None = None
    confidence_entity: float | None = None


class ParseRead(BaseModel):
    text: str
    intent: IntentRead
    entities: list[EntityRead]
    intent_ranking: list[IntentRead]
