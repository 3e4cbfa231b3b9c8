"""Channel accounts: looking up a commune's credentials and persisting Zalo's rotating token pair."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.channel_accounts.models import ChannelAccount
from api.db import utcnow
from api.infra.leasing import as_utc
from api.infra.writes import write_transaction
from channels import ids
from channels.base import Credentials

CHANNELS = ids.WITH_ACCOUNTS


def find_account(session: Session, *, commune_id: int, channel: str) -> ChannelAccount | None:
    return session.scalar(
        select(ChannelAccount).where(ChannelAccount.commune_id == commune_id, ChannelAccount.channel == channel)
    )


def to_credentials(account: ChannelAccount, commune_slug: str) -> Credentials:
    expires = as_utc(account.access_token_expires_at)
    return Credentials(
        account_id=account.id,
        commune_slug=commune_slug,
        config=dict(account.config or {}),
        secrets=dict(account.secrets or {}),
        access_token=account.access_token,
        refresh_token=account.refresh_token,
        access_token_expires_at=expires.timestamp() if expires else None,
    )


def credentials_for(session: Session, *, commune_id: int, commune_slug: str, channel: str) -> Credentials | None:
    account = find_account(session, commune_id=commune_id, channel=channel)
    if account is None or not account.enabled:
        return None
    return to_credentials(account, commune_slug)


def upsert_account(
    session: Session,
    *,
    commune_id: int,
    channel: str,
    config: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
    access_token: str | None = None,
    refresh_token: str | None = None,
    expires_in: int | None = None,
) -> ChannelAccount:
    """Create or update a commune's account; given keys replace stored ones, others are kept."""
    account = find_account(session, commune_id=commune_id, channel=channel)
    if account is None:
        account = ChannelAccount(commune_id=commune_id, channel=channel, config={}, secrets={}, token_version=0)
        session.add(account)
    account.enabled = True
    account.config = {**(account.config or {}), **(config or {})}
    account.secrets = {**(account.secrets or {}), **(secrets or {})}
    if access_token is not None:
        account.access_token = access_token
        account.access_token_expires_at = utcnow() + timedelta(seconds=expires_in) if expires_in else None
    if refresh_token is not None:
        account.refresh_token = refresh_token
    session.flush()
    return account


class DatabaseTokenStore:
    """Persists rotated tokens in their own committed transaction, before the caller uses them."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    async def rotate(self, credentials: Credentials, *, access_token: str, refresh_token: str, expires_in: int) -> None:
        expires_at = utcnow() + timedelta(seconds=expires_in)

        def write() -> None:
            with write_transaction(self._factory) as session:
                session.execute(
                    update(ChannelAccount)
                    .where(ChannelAccount.id == credentials.account_id)
                    .values(
                        access_token=access_token,
                        refresh_token=refresh_token,
                        access_token_expires_at=expires_at,
                        token_version=ChannelAccount.token_version + 1,
                        updated_at=utcnow(),
                    )
                )

        await run_in_threadpool(write)
        credentials.access_token, credentials.refresh_token = access_token, refresh_token
        credentials.access_token_expires_at = expires_at.timestamp()

    async def reload(self, credentials: Credentials) -> None:
        def read() -> ChannelAccount | None:
            with self._factory() as session:
                return session.get(ChannelAccount, credentials.account_id)

        account = await run_in_threadpool(read)
        if account is not None:
            fresh = to_credentials(account, credentials.commune_slug)
            credentials.access_token, credentials.refresh_token = fresh.access_token, fresh.refresh_token
            credentials.access_token_expires_at = fresh.access_token_expires_at
