"""Text that leaves through a public or structured surface passes here, and only here (docs/security.md).

- ``redact``: the second safety net of every public surface (Open311, the RSS digest, public stats and pages):
  phone numbers, CCCD/CMND numbers, e-mail addresses and the name after a form of address ("anh Bình",
  "chị Nguyễn Thị Lan") are replaced. The first net is that a case is private unless made public on purpose.
- ``single_line`` / ``xml_text``: control characters out of line-based formats (M3U, CSV-like lines) and XML
  (RSS), so a ``\\r`` in a title cannot start a new playlist line and a ``\\x0b`` cannot break the feed.
- ``http_url``: a link rendered as clickable must be http(s); ``javascript:``, ``data:`` and the rest are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

REDACTED = "[đã ẩn]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Vietnamese phones: 0 or +84 then 8–10 more digits, with optional spaces, dots or dashes between groups.
_PHONE = re.compile(r"(?<![\w+])(?:\+\s?84|0084|0)(?:[\s.\-]?\d){8,10}(?!\d)")
# CCCD (12 digits), CMND (9), and any other long digit run that may identify a person.
_ID_NUMBER = re.compile(r"(?<!\d)\d(?:[\s.\-]?\d){8,15}(?!\d)")
# A form of address and up to four words after it; only the capitalised ones are a name ("bà con", "anh em" stay).
_ADDRESS = re.compile(r"\b(anh|chị|chi|ông|ong|bà|ba|cô|chú|bác|em|cháu)\s+((?:[^\W\d_]+)(?:\s+[^\W\d_]+){0,3})", re.I)
# Control characters (C0 and C1, DEL) and Unicode line/paragraph separators.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Characters XML 1.0 cannot carry at all (tab, newline and carriage return are allowed).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff\ud800-\udfff]")


def _names(match: re.Match[str]) -> str:
    words = match.group(2).split()
    kept: list[str] = []
    for word in words:
        if not word[:1].isupper():
            break
        kept.append(word)
    if not kept:
        return match.group(0)
    rest = words[len(kept) :]
    return " ".join([match.group(1), REDACTED, *rest])


def redact(text: str | None, known: Iterable[str | None] = ()) -> str | None:
    """``text`` with personal identifiers replaced by ``[đã ẩn]`` (None stays None); ``known``: names or numbers
    known to belong to the person (the case's contact), removed wherever they appear."""
    if text is None:
        return None
    for value in sorted((k.strip() for k in known if k and len(k.strip()) >= 3), key=len, reverse=True):
        text = re.sub(re.escape(value), REDACTED, text, flags=re.IGNORECASE)
    text = _EMAIL.sub(REDACTED, text)
    text = _PHONE.sub(REDACTED, text)
    text = _ID_NUMBER.sub(REDACTED, text)
    return _ADDRESS.sub(_names, text)


def single_line(text: str | None) -> str:
    """One line of plain text: every control or line-separator character becomes a space, runs collapse."""
    return re.sub(r"\s{2,}", " ", _CONTROLS.sub(" ", text or "")).strip()


def xml_text(text: str | None) -> str:
    """Text an XML 1.0 document can hold (ElementTree escapes markup, but writes illegal characters as they are)."""
    return _XML_ILLEGAL.sub("", text or "")


def http_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) link with a host, else None (never render it as a link)."""
    if not url:
        return None
    candidate = url.strip()
    if _CONTROLS.search(candidate) or any(c.isspace() for c in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    return candidate if parts.scheme.lower() in ("http", "https") and parts.netloc else None
