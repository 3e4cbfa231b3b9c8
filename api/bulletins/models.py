"""Loudspeaker bulletins, their play times and the news feeds that propose them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, utcnow
from api.staff.coltypes import UTCDateTime


class Priority(StrEnum):
    """Circular 39/2020/TT-BTTTT: normal (on the schedule), priority, emergency (played at once, interrupting)."""

    thong_thuong = "thong_thuong"
    uu_tien = "uu_tien"
    khan_cap = "khan_cap"


PRIORITY_LABELS = {Priority.thong_thuong: "thông thường", Priority.uu_tien: "ưu tiên", Priority.khan_cap: "khẩn cấp"}


class Status(StrEnum):
    draft = "draft"
    approved = "approved"
    published = "published"
    withdrawn = "withdrawn"  # taken back after publication: off the RSS feed, the playlists and the controllers


STATUS_LABELS = {
    Status.draft: "Bản nháp",
    Status.approved: "Đã duyệt",
    Status.published: "Đã phát hành",
    Status.withdrawn: "Đã thu hồi",
}


class Source(StrEnum):
    staff = "staff"
    feed = "feed"
    digest = "digest"


class Bulletin(Base):
    __tablename__ = "bulletins"
    __table_args__ = (
        UniqueConstraint("commune_id", "source_ref", name="uq_bulletins_commune_source_ref"),
        Index("ix_bulletins_commune_status", "commune_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(16), default=Priority.thong_thuong.value)
    status: Mapped[str] = mapped_column(String(16), default=Status.draft.value)
    engine: Mapped[str] = mapped_column(String(16), default="edge")
    voice: Mapped[str | None] = mapped_column(String(64), default=None)
    rate: Mapped[int] = mapped_column(Integer, default=0)
    # Where a draft came from; ``source_ref`` (a feed entry id, a digest week) keeps sources from repeating.
    source: Mapped[str] = mapped_column(String(16), default=Source.staff.value)
    source_ref: Mapped[str | None] = mapped_column(String(500), default=None)
    source_url: Mapped[str | None] = mapped_column(String(1000), default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), default=None)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The produced audio, relative to Settings.data_dir, and what was measured on the file.
    audio_path: Mapped[str | None] = mapped_column(String(500), default=None)
    audio_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    # SHA-256 of the MP3's bytes: the file's name carries it (content-addressed, never overwritten with other sound).
    audio_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    audio_bytes: Mapped[int | None] = mapped_column(Integer, default=None)
    audio_duration_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    audio_loudness_lufs: Mapped[float | None] = mapped_column(Float, default=None)
    audio_true_peak_dbtp: Mapped[float | None] = mapped_column(Float, default=None)
    audio_engine: Mapped[str | None] = mapped_column(String(16), default=None)
    audio_voice: Mapped[str | None] = mapped_column(String(64), default=None)
    audio_error: Mapped[str | None] = mapped_column(Text, default=None)
    # Set when the bulletin is first sent to citizens' chats: its audio link is public from then on.
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    plays: Mapped[list[BulletinPlay]] = relationship(
        back_populates="bulletin", cascade="all, delete-orphan", order_by="BulletinPlay.play_at", lazy="selectin"
    )

    @property
    def is_emergency(self) -> bool:
        return self.priority == Priority.khan_cap


class BulletinPlay(Base):
    """One scheduled play of a bulletin on the commune's loudspeakers."""

    __tablename__ = "bulletin_plays"
    __table_args__ = (Index("ix_bulletin_plays_commune_play_at", "commune_id", "play_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id", ondelete="CASCADE"), index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    play_at: Mapped[datetime] = mapped_column(UTCDateTime())

    bulletin: Mapped[Bulletin] = relationship(back_populates="plays")


class NewsFeed(Base):
    """An RSS/Atom feed of a provincial or government portal whose items become draft bulletins."""

    __tablename__ = "news_feeds"
    __table_args__ = (UniqueConstraint("commune_id", "url", name="uq_news_feeds_commune_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(200), default=None)
    modified: Mapped[str | None] = mapped_column(String(200), default=None)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Announcement(Base):
    """A bulletin sent as a chat message to the subscribers of some hamlets and topics.

    Queued in chunks by a background job (``cursor`` = the last subscription looked at, moved in the same transaction
    as the messages it queued), so a restart neither loses nor doubles a recipient.
    """

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), index=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id", ondelete="CASCADE"), index=True)
    hamlets: Mapped[list[str]] = mapped_column(JSON, default=list)  # shown names; empty: the whole commune
    hamlet_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every subscriber
    priority: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="queuing")  # queuing | queued
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    queued_count: Mapped[int] = mapped_column(Integer, default=0)
    # How many it reaches, counted by the job's first chunk (None until then); the final count once queued.
    recipients: Mapped[int | None] = mapped_column(Integer, default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The approved version sent: its text and audio link, whatever happens to the bulletin while the queue runs.
    approval_id: Mapped[int | None] = mapped_column(
        ForeignKey("bulletin_audio_approvals.id", ondelete="SET NULL"), default=None
    )


class AnnouncementDelivery(Base):
    """One recipient of a bulletin: at most one per subscription, whichever announcement reached them first. The
    state lives on the outbox message (queued, sent, failed, not reachable, unsubscribed)."""

    __tablename__ = "announcement_deliveries"
    __table_args__ = (UniqueConstraint("bulletin_id", "subscription_id", name="uq_announcement_deliveries_recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"), index=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    outbox_message_id: Mapped[int] = mapped_column(Integer, index=True)


class BulletinAudioApproval(Base):
    """One approved version of a bulletin: the text and the exact audio file a second person approved.

    Public audio links name the version (``/audio/{bulletin}/{sha256[:16]}.mp3``) and serve only an approved file,
    which synthesis never deletes or overwrites: editing an announced bulletin makes a new draft that needs approving
    again, and what citizens already received keeps sounding exactly as approved.
    """

    __tablename__ = "bulletin_audio_approvals"
    __table_args__ = (UniqueConstraint("bulletin_id", "audio_sha256", name="uq_bulletin_audio_approvals_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id", ondelete="CASCADE"), index=True)
    audio_sha256: Mapped[str] = mapped_column(String(64))
    audio_path: Mapped[str] = mapped_column(String(500))
    audio_bytes: Mapped[int | None] = mapped_column(Integer, default=None)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), default=None)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def version(self) -> str:
        return self.audio_sha256[:16]
