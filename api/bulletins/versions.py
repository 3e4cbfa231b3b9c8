"""Approved versions of a bulletin's audio: what a second person approved stays exactly what citizens hear.

Audio files are content-addressed (``bulletin-{id}-{sha256[:32]}.mp3``): a file's bytes never change under its name.
Each approval records the file and the text approved (``BulletinAudioApproval``). Public links name the version
(``/api/v1/broadcast/{slug}/audio/{id}/{sha256[:16]}.mp3``) and serve only approved files; the older unversioned
link serves the latest approved version, never a draft's audio. Synthesis never deletes an approved file, and new
audio for an approved bulletin that differs from what was approved sends it back to draft.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.bulletins.models import Bulletin, BulletinAudioApproval, Status
from api.communes.models import Commune
from api.db import utcnow
from api.staff.models import Staff

VERSION_RE = re.compile(r"^[0-9a-f]{16}$")


def audio_digest(bulletin: Bulletin) -> str | None:
    """The current audio's identity: its content hash (files made before content hashes: the text hash)."""
    return bulletin.audio_sha256 or (bulletin.audio_hash if bulletin.audio_path else None)


def record_approval(session: Session, *, bulletin: Bulletin, staff: Staff) -> BulletinAudioApproval:
    digest = audio_digest(bulletin)
    assert digest is not None and bulletin.audio_path is not None  # approve() checked the audio is current
    row = session.scalar(
        select(BulletinAudioApproval).where(
            BulletinAudioApproval.bulletin_id == bulletin.id, BulletinAudioApproval.audio_sha256 == digest
        )
    )
    if row is None:
        row = BulletinAudioApproval(
            bulletin_id=bulletin.id,
            audio_sha256=digest,
            audio_path=bulletin.audio_path,
            audio_bytes=bulletin.audio_bytes,
            title=bulletin.title,
            body=bulletin.body,
        )
        session.add(row)
    row.approved_by_id, row.approved_at = staff.id, utcnow()
    session.flush()
    return row


def latest_approval(session: Session, *, bulletin_id: int) -> BulletinAudioApproval | None:
    return session.scalar(
        select(BulletinAudioApproval)
        .where(BulletinAudioApproval.bulletin_id == bulletin_id)
        .order_by(BulletinAudioApproval.approved_at.desc(), BulletinAudioApproval.id.desc())
        .limit(1)
    )


def approval_of_version(session: Session, *, bulletin_id: int, version: str) -> BulletinAudioApproval | None:
    if not VERSION_RE.fullmatch(version):
        return None
    rows = session.scalars(select(BulletinAudioApproval).where(BulletinAudioApproval.bulletin_id == bulletin_id)).all()
    return next((row for row in rows if row.audio_sha256.startswith(version)), None)


def approved_paths(session: Session, *, bulletin_id: int) -> set[str]:
    return set(
        session.scalars(
            select(BulletinAudioApproval.audio_path).where(BulletinAudioApproval.bulletin_id == bulletin_id)
        )
    )


def is_public(bulletin: Bulletin) -> bool:
    """Published bulletins, and those sent to citizens' chats (their message links here), are public on purpose."""
    return bulletin.status == Status.published or bulletin.announced_at is not None


def version_url(public_base_url: str, commune: Commune, approval: BulletinAudioApproval) -> str:
    base = public_base_url.rstrip("/")
    return f"{base}/api/v1/broadcast/{commune.slug}/audio/{approval.bulletin_id}/{approval.version}.mp3"


def unapprove_if_changed(session: Session, *, bulletin: Bulletin) -> None:
    """New audio for an approved bulletin that is not the approved file: it needs approving again (four eyes)."""
    if bulletin.status != Status.approved:
        return
    latest = latest_approval(session, bulletin_id=bulletin.id)
    if latest is None or latest.audio_sha256 != audio_digest(bulletin):
        bulletin.status = Status.draft.value
        bulletin.approved_by_id = None
        bulletin.approved_at = None
