"""Request plumbing as ``Annotated`` dependency aliases (settings, the database session), shared by every router.

It imports no domain package, so every package may use it. Who is calling (``CurrentStaff``, ``ServiceCaller``…) is
api/auth/deps.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from api.config import Settings
from broadcast.settings import BroadcastSettings, get_broadcast_settings


class Nlu(Protocol):
    """What routes ask of the app's Rasa client: api/nlu/client.py's ``RasaClient``, made by api/main.py."""

    async def parse(self, text: str) -> dict[str, Any]: ...

    async def is_up(self) -> bool: ...


# Dependencies that only read app state are ``async``: FastAPI runs a plain ``def`` dependency in the thread pool,
# a hop that cost more than the work on every request.
async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_sessionmaker(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    return factory


async def get_rasa(request: Request) -> Nlu:
    client: Nlu = request.app.state.rasa
    return client


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back if it raises."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
# scope="function": the transaction commits BEFORE the response is sent. FastAPI's default for yield dependencies
# ends them after the response, so a browser following a redirect (login → /staff) could arrive before the commit
# and find no session; an API client could read its own write too early.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(get_sessionmaker)]
RasaDep = Annotated[Nlu, Depends(get_rasa)]


def get_broadcast_settings_dep(request: Request) -> BroadcastSettings:
    """``app.state.broadcast_settings`` when set (tests, embedding), else the environment's (XASO_BROADCAST_*)."""
    settings: BroadcastSettings | None = getattr(request.app.state, "broadcast_settings", None)
    return settings or get_broadcast_settings()


BroadcastSettingsDep = Annotated[BroadcastSettings, Depends(get_broadcast_settings_dep)]
