"""Making a bulletin's audio: synthesis outside any transaction, the file under data_dir, figures on the row."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.bulletins import versions
from api.bulletins.models import Bulletin
from api.bulletins.service import audio_key, spoken_source
from api.communes.models import Commune
from api.db import transaction
from api.errors import NotFound, UpstreamUnavailable, ValidationFailed
from broadcast.engines import EngineError, EngineUnavailable, VoiceOptions, engine_chain
from broadcast.settings import BroadcastSettings
from broadcast.speech import BulletinTooLong, Production, produce

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Job:
    bulletin_id: int
    slug: str
    key: str
    text: str
    engine: str
    voice: str | None
    rate: int


def audio_dir(data_dir: Path, slug: str) -> Path:
    return data_dir / "broadcast" / slug


def audio_file(data_dir: Path, bulletin: Bulletin) -> Path | None:
    return stored_file(data_dir, bulletin.audio_path)


def stored_file(data_dir: Path, relative: str | None) -> Path | None:
    if not relative:
        return None
    path = (data_dir / relative).resolve()
    # The stored path is ours, but never serve anything outside the broadcast directory.
    if not path.is_relative_to((data_dir / "broadcast").resolve()) or not path.is_file():
        return None
    return path


def _load(session: Session, bulletin_id: int) -> _Job:
    bulletin = session.get(Bulletin, bulletin_id)
    if bulletin is None:
        raise NotFound(f"Không tìm thấy bản tin số {bulletin_id}.", code="bulletin_not_found")
    commune = session.get(Commune, bulletin.commune_id)
    assert commune is not None
    return _Job(
        bulletin.id,
        commune.slug,
        audio_key(bulletin),
        spoken_source(bulletin),
        bulletin.engine,
        bulletin.voice,
        bulletin.rate,
    )


def _read_job(factory: sessionmaker[Session], bulletin_id: int) -> _Job:
    with transaction(factory) as session:
        return _load(session, bulletin_id)


def _record_error(factory: sessionmaker[Session], bulletin_id: int, message: str) -> None:
    with transaction(factory) as session:
        bulletin = session.get(Bulletin, bulletin_id)
        if bulletin is not None:
            bulletin.audio_error = message


def _store(factory: sessionmaker[Session], data_dir: Path, job: _Job, result: Production) -> None:
    """Write the file, then point the row at it unless the text changed meanwhile (one transaction)."""
    directory = audio_dir(data_dir, job.slug)
    directory.mkdir(parents=True, exist_ok=True)
    sha256 = hashlib.sha256(result.mp3).hexdigest()
    # Content-addressed: the bytes under a name never change, so an approved file's link keeps its sound.
    target = directory / f"bulletin-{job.bulletin_id}-{sha256[:32]}.mp3"
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    partial.write_bytes(result.mp3)
    os.replace(partial, target)
    with transaction(factory) as session:
        bulletin = session.get(Bulletin, job.bulletin_id)
        kept = versions.approved_paths(session, bulletin_id=job.bulletin_id)
        relative = str(target.relative_to(data_dir))
        if bulletin is None or audio_key(bulletin) != job.key:
            log.info("bulletin %s changed during synthesis; discarding %s", job.bulletin_id, target.name)
            if relative not in kept:
                target.unlink(missing_ok=True)
            return
        # An approved version's file stays: its public link keeps serving it.
        previous = audio_file(data_dir, bulletin) if bulletin.audio_path not in kept else None
        bulletin.audio_path = relative
        bulletin.audio_hash = job.key
        bulletin.audio_sha256 = sha256
        bulletin.audio_bytes = len(result.mp3)
        bulletin.audio_duration_seconds = result.duration_seconds
        bulletin.audio_loudness_lufs = result.loudness_lufs
        bulletin.audio_true_peak_dbtp = result.true_peak_dbtp
        bulletin.audio_engine = result.engine
        bulletin.audio_voice = result.voice
        bulletin.audio_error = None
        versions.unapprove_if_changed(session, bulletin=bulletin)
    if previous is not None and previous != target:
        previous.unlink(missing_ok=True)


async def synthesize_bulletin(
    factory: sessionmaker[Session], *, data_dir: Path, settings: BroadcastSettings, bulletin_id: int
) -> None:
    """Produce the MP3 for the bulletin's current text; the row is only updated if the text did not change meanwhile.

    The database work runs in worker threads, never on the event loop: on SQLite a write that waits for the lock
    (busy_timeout, 30 s) on the loop's thread would stop every request, including the one holding the lock."""
    job = await run_in_threadpool(_read_job, factory, bulletin_id)
    try:
        result = await produce(
            job.text, engine_chain(job.engine, settings), VoiceOptions(voice=job.voice, rate=job.rate), settings
        )
    except (EngineError, BulletinTooLong) as exc:
        await run_in_threadpool(_record_error, factory, bulletin_id, str(exc))
        if isinstance(exc, BulletinTooLong):
            raise ValidationFailed(str(exc), code="bulletin_too_long", field="body") from exc
        if isinstance(exc, EngineUnavailable):
            raise UpstreamUnavailable(f"Không tạo được âm thanh: {exc}", code="tts_unavailable") from exc
        raise ValidationFailed(f"Không tạo được âm thanh: {exc}", code="tts_failed") from exc
    await run_in_threadpool(_store, factory, data_dir, job, result)
