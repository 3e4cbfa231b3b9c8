"""The delivery worker: claims due outbox rows, sends them on their channel, records the outcome.

Restart-safe: a claimed row carries a lease; on shutdown in-flight sends are finished and recorded before the loop
stops, and a worker that died mid-send leaves a lease that expires, after which the row is retried. Parts of a long
message already accepted by the platform are counted (``parts_sent``) and never sent again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from fastapi import FastAPI
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.background import run_batch
from api.channel_accounts.service import DatabaseTokenStore, credentials_for
from api.communes.models import Commune
from api.db import utcnow
from api.infra import metrics
from api.infra.leasing import backoff_seconds, claim, renew
from api.infra.signals import notify
from api.infra.writes import write_transaction
from api.outbox import dispatch
from api.outbox.models import FAILED, PENDING, SENDING, SENT, UNREACHABLE, OutboxMessage
from channels import registry
from channels.base import Credentials, DeliveryError, OutboundMessage, SendContext
from channels.ids import ConversationId

log = logging.getLogger(__name__)

LEASE_SECONDS = 30.0  # renewed after each accepted part; a dead worker's rows are retaken after it
BATCH = 32
MAX_ATTEMPTS = 12  # backoff 2 s … 10 min: about an hour of outage before a message is marked failed
UNEXPECTED_MAX_ATTEMPTS = 3  # a send that raises something other than DeliveryError (2 + 4 s of retries)
DRAIN_SECONDS = 10.0


@dataclass(frozen=True)
class Job:
    id: int
    commune_id: int
    commune_slug: str
    conversation_id: str
    channel: str
    text: str
    buttons: tuple[dict[str, str], ...]
    image_url: str | None
    parts_sent: int
    attempts: int
    credentials: Credentials | None
    kind: str = "reply"
    priority: int = 0
    context: dict[str, Any] | None = None
    request_id: str | None = None  # of the message this answers (api/infra/logs.py)


_CLAIMED = (  # built once: every delivery runs it
    select(OutboxMessage, Commune.slug)
    .join(Commune, Commune.id == OutboxMessage.commune_id)
    .where(OutboxMessage.id.in_(bindparam("ids", expanding=True)))
    .order_by(OutboxMessage.priority.desc(), OutboxMessage.id)  # started (and rate-limited) in this order
)


def _claim_jobs(factory: sessionmaker[Session], limit: int, channels: tuple[str, ...] | None = None) -> list[Job]:
    with write_transaction(factory) as session:
        ids = claim(
            session,
            OutboxMessage,
            waiting=PENDING,
            working=SENDING,
            limit=limit,
            lease_seconds=LEASE_SECONDS,
            channels=channels,
        )
        if not ids:
            return []
        rows = session.execute(_CLAIMED, {"ids": ids}).all()
        jobs = []
        for message, slug in rows:
            credentials = None
            if message.channel != "web":
                credentials = credentials_for(
                    session, commune_id=message.commune_id, commune_slug=slug, channel=message.channel
                )
            jobs.append(
                Job(
                    id=message.id,
                    commune_id=message.commune_id,
                    commune_slug=slug,
                    conversation_id=message.conversation_id,
                    channel=message.channel,
                    text=message.text,
                    buttons=tuple(message.buttons or ()),
                    image_url=message.image_url,
                    parts_sent=message.parts_sent,
                    attempts=message.attempts,
                    credentials=credentials,
                    kind=message.kind,
                    priority=message.priority,
                    context=message.context,
                    request_id=message.request_id,
                )
            )
        return jobs


def _update(factory: sessionmaker[Session], message_id: int, **values: Any) -> None:
    with write_transaction(factory) as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))


def _failure_values(job: Job, exc: DeliveryError) -> dict[str, Any]:
    if isinstance(exc, dispatch.Throttled):  # not an attempt: the platform was never called
        return {
            "status": PENDING,
            "lease_until": None,
            "attempts": max(0, job.attempts - 1),
            "next_attempt_at": utcnow() + timedelta(seconds=exc.retry_after or 1.0),
        }
    if isinstance(exc, dispatch.NotReachable):  # the platform allows no message to this citizen: staff call them
        return {"status": UNREACHABLE, "last_error": exc.reason[:2000], "lease_until": None}
    if not exc.retryable or job.attempts >= (exc.max_attempts or MAX_ATTEMPTS):
        reason = exc.reason if not exc.retryable else f"Đã thử {job.attempts} lần, không gửi được: {exc.reason}"
        return {"status": FAILED, "last_error": reason[:2000], "lease_until": None}
    delay = exc.retry_after if exc.retry_after is not None else backoff_seconds(job.attempts)
    return {
        "status": PENDING,
        "last_error": exc.reason[:2000],
        "lease_until": None,
        "next_attempt_at": utcnow() + timedelta(seconds=delay),
    }


async def deliver(app: FastAPI, job: Job) -> None:
    """Send one message, logged under the request id of the message it answers."""
    with structlog.contextvars.bound_contextvars(request_id=job.request_id or f"outbox-{job.id}"):
        await _deliver(app, job)


async def _deliver(app: FastAPI, job: Job) -> None:
    factory: sessionmaker[Session] = app.state.sessionmaker
    channel = registry.get(job.channel)

    async def on_part_sent(parts: int, platform_id: str | None) -> None:
        lease = utcnow() + timedelta(seconds=LEASE_SECONDS)
        await run_in_threadpool(
            _update, factory, job.id, parts_sent=parts, platform_message_id=platform_id, lease_until=lease
        )

    context = SendContext(
        http=app.state.http,
        credentials=job.credentials,
        tokens=DatabaseTokenStore(factory),
        parts_sent=job.parts_sent,
        on_part_sent=on_part_sent,
    )
    message = OutboundMessage(
        conversation_id=job.conversation_id,
        recipient=ConversationId.parse(job.conversation_id).external,
        text=job.text,
        buttons=job.buttons,
        image_url=job.image_url,
        message_id=job.id,
    )
    try:
        await dispatch.send(app, job, channel, message, context)
    except DeliveryError as exc:
        if not isinstance(exc, dispatch.Throttled):
            log.warning("outbox %s to %s not delivered: %s", job.id, job.conversation_id, exc.reason)
        await run_in_threadpool(_update, factory, job.id, **_failure_values(job, exc))
        return
    except Exception as exc:  # a connector bug: a few tries, then failed (listed for staff), never retried forever
        log.exception("outbox %s to %s crashed", job.id, job.conversation_id)
        retry = job.attempts < UNEXPECTED_MAX_ATTEMPTS
        error = DeliveryError(f"Lỗi khi gửi ({type(exc).__name__}: {exc})", retryable=retry)
        await run_in_threadpool(_update, factory, job.id, **_failure_values(job, error))
        return
    await run_in_threadpool(_update, factory, job.id, status=SENT, sent_at=utcnow(), lease_until=None, last_error=None)
    metrics.MESSAGES_OUT.labels(job.channel).inc()
    log.info("outbox %s delivered to %s (%s)", job.id, job.conversation_id, job.channel)
    if job.channel == "web":
        notify(app, f"web:{job.conversation_id}")


def renew_leases(factory: sessionmaker[Session], ids: list[int]) -> None:
    with write_transaction(factory) as session:
        renew(session, OutboxMessage, ids, working=SENDING, lease_seconds=LEASE_SECONDS)


async def claim_jobs(app: FastAPI, limit: int) -> list[Job]:
    # A platform whose send queue in this process is already long (rate limit) is not claimed for meanwhile.
    busy = dispatch.saturated_channels(app)
    channels = tuple(c for c in dispatch.CHANNELS if c not in busy) if busy else None
    if channels == ():
        return []
    return await run_in_threadpool(_claim_jobs, app.state.sessionmaker, limit, channels)


async def deliver_due(app: FastAPI, *, limit: int = BATCH) -> int:
    """Deliver one batch; returns how many rows were claimed (0 when nothing is due)."""
    jobs = await claim_jobs(app, limit)
    if not jobs:
        return 0
    await run_batch(
        {f"outbox-{job.id}": deliver(app, job) for job in jobs}, what="outbox delivery", drain_seconds=DRAIN_SECONDS
    )
    return len(jobs)
