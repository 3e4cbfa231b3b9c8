"""The console's live poll: counts for the badges, emergencies to pin and announce, and whether the page being looked
at changed. Polling (every few seconds, from ``static/live.js``) works the same with one gateway process or many and
through any proxy; the answer is a handful of indexed counts.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.cases.desk import desk_state
from api.console_base import auth
from api.console_base.templating import SECURITY_HEADERS
from api.deps import SessionDep, SettingsDep
from api.errors import Unauthorized
from api.mentions import service as mentions

router = APIRouter(prefix="/staff", include_in_schema=False)


@router.get("/live.json")
def live(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    case: Annotated[str | None, Query(max_length=32, pattern=r"^[A-Za-z0-9-]+$")] = None,
) -> JSONResponse:
    # A poll never redirects (to the login page, say): a page left open after logout just stops polling.
    console = auth.current_session(session, settings, request)
    if console is None or console.staff.must_change_password or console.staff.is_province:
        raise Unauthorized("Phiên làm việc đã kết thúc.", code="console_session_ended")
    state = desk_state(session, staff=console.staff, case_code=case)
    body: dict[str, Any] = asdict(state)
    body["urgent"] = [{**item, "created_at": item["created_at"].isoformat()} for item in body["urgent"]]
    body["mentions"] = mentions.unseen_count(session, staff_id=console.staff.id)  # "@login" in colleagues' notes
    return JSONResponse(body, headers=SECURITY_HEADERS)
