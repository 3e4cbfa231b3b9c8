from __future__ import annotations

import unicodedata
from typing import Any

from fastapi import APIRouter, Depends

from api.auth.deps import get_staff_or_service
from api.deps import RasaDep
from api.nlu.schemas import ParseRead, ParseRequest

# Staff (a bearer token) or the action server (the service token) only: each call goes straight into Rasa, so an
# anonymous caller could load it at will (issue 26). Citizens' messages reach Rasa through the channels' budgets.
router = APIRouter(prefix="/api/v1/nlu", tags=["nlu"], dependencies=[Depends(get_staff_or_service)])


@router.post(
    "/parse",
    response_model=ParseRead,
    summary="Phân tích câu của người dân (ý định và thực thể)",
    responses={
        401: {"description": "Thiếu mã truy cập của cán bộ hoặc mã dịch vụ"},
        422: {"description": "Văn bản rỗng, quá dài hoặc JSON không hợp lệ"},
        503: {"description": "Rasa"},
    },
)
async def parse(body: ParseRequest, rasa: RasaDep) -> dict[str, Any]:
    # NFC first, so the entity offsets Rasa returns index the very text we return (keyboards may send NFD).
    text = unicodedata.normalize("NFC", body.text)
    result = await rasa.parse(text)
    result["text"] = text
    result["entities"] = [{**entity, "value": str(entity.get("value", ""))} for entity in result.get("entities", [])]
    return result
