"""The announcement topics a citizen can receive, defined once (key → label and the words that name it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    key: str
    label: str
    words: tuple[str, ...]  # folded (no diacritics) words a citizen may type to name it


GENERAL = "chung"
EMERGENCY = "khan_cap"
TOPICS: dict[str, Topic] = {
    t.key: t
    for t in (
        Topic(GENERAL, "thông báo chung", ("thong bao chung", "chung")),
        Topic("y_te", "y tế", ("y te", "suc khoe", "dich benh")),
        Topic(EMERGENCY, "thiên tai, khẩn cấp", ("khan cap", "thien tai", "bao lu")),
        Topic("tiem_chung", "lịch tiêm chủng", ("tiem chung", "tiem phong", "lich tiem")),
        Topic("nong_nghiep", "nông nghiệp", ("nong nghiep", "mua vu", "cay trong", "vat nuoi")),
    )
}
# A new subscriber receives everything; the emergency topic stays on while they receive anything at all.
DEFAULT_TOPICS = list(TOPICS)
_NAMES = sorted(((word, t.key) for t in TOPICS.values() for word in t.words), key=lambda item: -len(item[0]))


def label(key: str) -> str:
    topic = TOPICS.get(key)
    return topic.label if topic else key


def find_topic(folded: str) -> str | None:
    """The topic a folded phrase names ("tin y te" → y_te), longest name first."""
    padded = f" {folded} "
    for word, key in _NAMES:
        if f" {word} " in padded:
            return key
    return None


def clean_topics(keys: list[str] | None) -> list[str]:
    """Known topics in catalogue order; the emergency topic is always kept."""
    chosen = set(DEFAULT_TOPICS if keys is None else keys) | {EMERGENCY}
    return [key for key in TOPICS if key in chosen]
