"""RSS/Atom feeds of provincial and government portals: fetch (conditional GET), parse, keep a clean lead paragraph."""

from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import feedparser
import httpx

_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section", "article"}
# Captions, embedded media and scripts are not news text.
_SKIPPED_TAGS = {"script", "style", "figcaption", "figure", "table", "iframe", "noscript", "video", "audio"}
MIN_LEAD_WORDS = 8


class FeedError(Exception):
    """The feed could not be fetched or is not a feed."""


@dataclass(frozen=True)
class FeedItem:
    key: str
    title: str
    link: str | None
    lead: str
    published: datetime | None

    @property
    def source_ref(self) -> str:
        """A bounded, stable identifier for de-duplication across fetches and feeds."""
        return "feed:" + hashlib.sha256(self.key.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class FeedFetch:
    not_modified: bool
    title: str
    items: list[FeedItem]
    etag: str | None
    modified: str | None


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[list[str]] = [[]]
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.paragraphs.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS and self._skip_depth:
            self._skip_depth -= 1
        elif tag in _BLOCK_TAGS:
            self.paragraphs.append([])

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.paragraphs[-1].append(data)


def html_paragraphs(html: str) -> list[str]:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    texts = (re.sub(r"\s+", " ", "".join(parts)).strip() for parts in parser.paragraphs)
    return [t for t in texts if t]


def cap_words(text: str, max_words: int) -> str:
    """Cut at the last sentence end within ``max_words`` (or at the word limit, with an ellipsis)."""
    words = text.split()
    if len(words) <= max_words:
        return text
    clipped = " ".join(words[:max_words])
    end = max(clipped.rfind(". "), clipped.rfind("! "), clipped.rfind("? "))
    return clipped[: end + 1] if end > len(clipped) // 2 else clipped.rstrip(",;:") + "…"


def lead_paragraph(html: str, *, max_words: int) -> str:
    """The first real paragraph (not a caption, a dateline or a "Ảnh:" credit), HTML removed."""
    paragraphs = html_paragraphs(html)
    lead = next((p for p in paragraphs if len(p.split()) >= MIN_LEAD_WORDS), paragraphs[0] if paragraphs else "")
    return cap_words(lead, max_words)


def _published(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


def parse_feed(content: bytes, *, max_words: int = 400) -> tuple[str, list[FeedItem]]:
    parsed = feedparser.parse(content)
    if parsed.bozo and not parsed.entries:
        raise FeedError(f"Không đọc được nguồn tin: {parsed.get('bozo_exception')!r}")
    items = []
    for entry in parsed.entries:
        title = re.sub(r"\s+", " ", entry.get("title", "")).strip()
        html = entry.get("summary", "") or ""
        if not html and entry.get("content"):
            html = entry["content"][0].get("value", "")
        lead = lead_paragraph(html, max_words=max_words)
        key = entry.get("id") or entry.get("link") or title
        if not title or not lead or not key:
            continue
        items.append(FeedItem(key, title, entry.get("link"), lead, _published(entry)))
    return str(parsed.feed.get("title", "")), items


async def fetch_feed(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    modified: str | None = None,
    max_words: int = 400,
    timeout_seconds: float = 15.0,
) -> FeedFetch:
    headers = {"User-Agent": "XaSo-Broadcast/0.1 (+feed reader)"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    try:
        response = await client.get(url, headers=headers, timeout=timeout_seconds, follow_redirects=True)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FeedError(f"Không tải được nguồn tin: {exc!r}") from exc
    if response.status_code == 304:
        return FeedFetch(True, "", [], etag, modified)
    if response.status_code >= 400:
        raise FeedError(f"Nguồn tin trả về mã lỗi HTTP {response.status_code}.")
    title, items = parse_feed(response.content, max_words=max_words)
    return FeedFetch(False, title, items, response.headers.get("etag"), response.headers.get("last-modified"))
