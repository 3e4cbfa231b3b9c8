"""One send, the way each platform allows it: at the account's rate (highest priority first), and for Zalo notices
by the route its rules permit (customer-service, promotion, ZNS), or recorded as not reachable. Routes outside the
free reply window are sent by the connector itself (``channels.base.NoticeSender``): no platform is known here."""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.infra.writes import write_transaction
from api.outbox import zalo_reach
from api.outbox.ratelimit import MAX_WAIT_SECONDS, limiter, shared_slot
from channels import ids
from channels.base import (
    Channel,
    Credentials,
    DeliveryError,
    NoticeSender,
    OutboundMessage,
    OutsideWindow,
    RecipientGone,
    SendContext,
)


class NotReachable(DeliveryError):
    """No message to this citizen is allowed on the platform now: recorded as ``unreachable``, never retried."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False)


class Throttled(DeliveryError):
    """The account's send queue is long: the row goes back to the outbox (this claim not counted as an attempt) and
    the worker slot goes to another platform's message instead of waiting here."""

    def __init__(self, seconds: float) -> None:
        super().__init__("Đang chờ theo giới hạn tốc độ gửi của nền tảng.", retryable=True, retry_after=seconds)


class Departure(Protocol):
    """What ends when a citizen blocked the bot or left the OA: their subscription, in the caller's transaction
    (``api.subscriptions.service.unsubscribe``, registered by api/routers.py: the outbox imports no subscriptions)."""

    def __call__(self, session: Session, *, conversation_id: str) -> object: ...


class SendJob(Protocol):
    """What a send needs to know of its outbox row (``api.outbox.worker.Job``)."""

    @property
    def id(self) -> int: ...
    @property
    def commune_id(self) -> int: ...
    @property
    def conversation_id(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def priority(self) -> int: ...
    @property
    def context(self) -> dict[str, Any] | None: ...
    @property
    def credentials(self) -> Credentials | None: ...


CHANNELS = ids.NAMES


def saturated_channels(app: FastAPI) -> set[str]:
    """Channels with an account whose send queue here is longer than a worker slot should wait."""
    table = getattr(app.state, "rate_limiters", None) or {}
    return {
        channel for (channel, _account, _api), bucket in table.items() if bucket.backlog_seconds() > MAX_WAIT_SECONDS
    }


async def _wait_turn(app: FastAPI, job: SendJob, *, api: str = "") -> None:
    credentials = job.credentials
    if credentials is None or job.channel == "web":
        return
    bucket = limiter(
        app.state, channel=job.channel, account_id=credentials.account_id, config=credentials.config, api=api
    )
    wait = bucket.backlog_seconds()
    if wait > MAX_WAIT_SECONDS and job.priority <= 0:  # give the slot back; taken again when the queue has moved
        raise Throttled(wait)
    await bucket.acquire(job.priority)
    await shared_slot(
        getattr(app.state, "redis", None), key=f"{job.channel}:{credentials.account_id}:{api}", interval=bucket.interval
    )


async def send(app: FastAPI, job: SendJob, channel: Channel, message: OutboundMessage, context: SendContext) -> None:
    try:
        await _send(app, job, channel, message, context)
    except RecipientGone:
        # Blocked the bot / left the OA: their subscription ends (announcements waiting for them are cancelled).
        await run_in_threadpool(_unsubscribe, app.state.sessionmaker, app.state.recipient_gone, job.conversation_id)
        raise


def _unsubscribe(factory: sessionmaker[Session], gone: Departure, conversation_id: str) -> None:
    with write_transaction(factory) as session:
        gone(session, conversation_id=conversation_id)


async def _send(app: FastAPI, job: SendJob, channel: Channel, message: OutboundMessage, context: SendContext) -> None:
    if (
        not zalo_reach.applies(job.channel, job.kind)
        or not isinstance(channel, NoticeSender)
        or job.credentials is None
        or context.parts_sent > 0
    ):
        await _wait_turn(app, job)
        await channel.send(message, context)
        return
    reach = await _decide(app, job, channel, window_closed=False)
    if reach.route == "cs":
        await _wait_turn(app, job)
        try:
            await channel.send(message, context)
            return
        except OutsideWindow:  # the platform counts the window differently than we do: take the next route
            reach = await _decide(app, job, channel, window_closed=True)
    if reach.route == "promotion":
        try:
            await _send_outside_window(app, job, channel, reach, message, context)
            return
        except OutsideWindow:  # the promotion was refused for this citizen now (night-time, restricted): ZNS next
            reach = await _decide(app, job, channel, window_closed=True, promotion_refused=True)
    await _send_outside_window(app, job, channel, reach, message, context)


async def _decide(
    app: FastAPI, job: SendJob, channel: NoticeSender, *, window_closed: bool, promotion_refused: bool = False
) -> zalo_reach.Reach:
    credentials = job.credentials
    assert credentials is not None
    return await run_in_threadpool(
        zalo_reach.decide_now,
        app.state.sessionmaker,
        message_id=job.id,
        commune_id=job.commune_id,
        account_id=credentials.account_id,
        conversation_id=job.conversation_id,
        kind=job.kind,
        config=credentials.config,
        context=job.context,
        phone_address=channel.notice_phone,
        recorded_inbound=app.state.recorded_inbound,  # api/routers.py
        window_closed=window_closed,
        promotion_refused=promotion_refused,
    )


async def _send_outside_window(
    app: FastAPI,
    job: SendJob,
    channel: NoticeSender,
    reach: zalo_reach.Reach,
    message: OutboundMessage,
    context: SendContext,
) -> None:
    route = reach.notice
    if route is None:
        raise NotReachable(reach.reason or "Không liên lạc được qua Zalo.")
    await _wait_turn(app, job, api="zns" if route.name == "zns" else "")  # ZNS has its own rate, per account
    platform_id = await channel.send_notice(message, context, route)
    await context.on_part_sent(1, platform_id)
