from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import RasaDep, SessionFactoryDep, SettingsDep

router = APIRouter(tags=["health"])


def _database_up(factory: SessionFactoryDep) -> bool:
    try:
        with factory() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


async def _actions_up(http: httpx.AsyncClient, url: str) -> bool:
    try:
        response = await http.get(f"{url.rstrip('/')}/health", timeout=2.0)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


@router.get("/health", summary="Trạng thái hệ thống")
async def health(request: Request, settings: SettingsDep, factory: SessionFactoryDep, rasa: RasaDep) -> JSONResponse:
    database, rasa_up, actions = await asyncio.gather(
        asyncio.to_thread(_database_up, factory),
        rasa.is_up(),
        _actions_up(request.app.state.http, settings.actions_url),
    )
    components: dict[str, Any] = {
        "database": "up" if database else "down",
        "rasa": "up" if rasa_up else "down",
        "actions": "up" if actions else "down",
    }
    healthy = all(state == "up" for state in components.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "default_commune": settings.default_commune,
        "components": components,
    }
    return JSONResponse(body, status_code=200 if healthy else 503)
