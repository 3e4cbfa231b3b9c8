"""The directory of where things are done: procedures citizens ask the commune about that are not among its own
(passports, health-insurance cards, social insurance, land, driving licences, courts...), one YAML file per group of
agencies in knowledge/directory/ (README there). One loader with a schema check (a wrong file names the file and the
field), and one matcher: a text matches an entry when one of its topic ``keywords`` occurs as whole words (accents,
case and spacing ignored); among the entries that match, the one with the most ``refine`` words wins (their total
length breaks ties, then the longest topic keyword, then file order). Pure Python: both environments import it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DIRECTORY_DIR = Path(__file__).resolve().parent / "directory"
REQUIRED = ("id", "name", "keywords", "agency", "prepare", "basis")
TEXT_FIELDS = ("name", "agency", "online", "prepare", "complaint", "hotline", "reviewed_by", "review_note")
KNOWN = {*REQUIRED, *TEXT_FIELDS, "refine", "commune", "reviewed_on", "category"}


class DirectoryError(ValueError):
    """A directory file that does not follow the schema (the message names the file and the field)."""


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    keywords: tuple[str, ...]
    refine: tuple[str, ...]
    agency: str
    commune: bool
    online: str
    prepare: str
    complaint: str
    hotline: str
    basis: tuple[str, ...]
    reviewed_on: date
    reviewed_by: str
    review_note: str
    source: str
    category: str = ""  # a complaint's case category (api/cases/catalog.py), when it can be filed as a report


def fold(text: str | None) -> str:
    """Lower-case, accent-free, single-spaced ("Thẻ BHYT" → "the bhyt")."""
    decomposed = unicodedata.normalize("NFD", (text or "").replace("Đ", "D").replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", stripped.lower()).strip()


@lru_cache(maxsize=4096)
def _pattern(phrase: str) -> re.Pattern[str] | None:
    key = fold(phrase)
    return re.compile(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])") if key else None


def _hits(folded: str, phrases: tuple[str, ...]) -> list[str]:
    """The (folded) phrases that occur in ``folded`` as whole words, without those inside a longer hit."""
    found = {p.pattern for p in map(_pattern, phrases) if p is not None and p.search(folded)}
    keys = [
        fold(phrase) for phrase in phrases if (pattern := _pattern(phrase)) is not None and pattern.pattern in found
    ]
    unique = list(dict.fromkeys(keys))
    return [k for k in unique if not any(k != other and k in other for other in unique)]


def _strings(value: Any, where: str, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise DirectoryError(f"{where}: '{field}' must be a non-empty list of texts")
    return tuple(v.strip() for v in value)


def _entry(item: Any, defaults: dict[str, Any], where: str) -> Entry:
    if not isinstance(item, dict):
        raise DirectoryError(f"{where}: an entry must be a mapping")
    where = f"{where}:{item.get('id', '?')}"
    unknown = set(item) - KNOWN
    if unknown:
        raise DirectoryError(f"{where}: unknown field(s) {sorted(unknown)}")
    data = {**defaults, **item}
    for field in REQUIRED:
        if not data.get(field):
            raise DirectoryError(f"{where}: '{field}' is required")
    for field in TEXT_FIELDS:
        if not isinstance(data.get(field) or "", str):
            raise DirectoryError(f"{where}: '{field}' must be a text")
    if not re.fullmatch(r"[a-z0-9_]+", str(data["id"])):
        raise DirectoryError(f"{where}: 'id' must be lower-case letters, digits and _")
    try:
        reviewed_on = date.fromisoformat(str(data.get("reviewed_on") or ""))
    except ValueError as error:
        raise DirectoryError(f"{where}: 'reviewed_on' must be a date YYYY-MM-DD") from error
    if not isinstance(data.get("commune", False), bool):
        raise DirectoryError(f"{where}: 'commune' must be true or false")
    category = str(data.get("category") or "")
    if category and (not data.get("complaint") or not re.fullmatch(r"[a-z_]+", category)):
        raise DirectoryError(f"{where}: 'category' is a case category (lower-case, _) of an entry with a 'complaint'")
    return Entry(
        id=str(data["id"]),
        keywords=_strings(data["keywords"], where, "keywords"),
        refine=_strings(data["refine"], where, "refine") if data.get("refine") else (),
        basis=_strings(data["basis"], where, "basis"),
        commune=bool(data.get("commune", False)),
        reviewed_on=reviewed_on,
        source=where,
        category=category,
        **{f: str(data.get(f) or "").strip() for f in TEXT_FIELDS},
    )


def load_file(path: Path) -> list[Entry]:
    where = path.name
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise DirectoryError(f"{where}: not valid YAML ({error})") from error
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        raise DirectoryError(f"{where}: 'entries' must be a list")
    defaults = {k: document[k] for k in ("reviewed_on", "reviewed_by", "review_note") if k in document}
    return [_entry(item, defaults, where) for item in document["entries"]]


def load_directory(directory: Path | None = None) -> tuple[Entry, ...]:
    entries: list[Entry] = []
    for path in sorted((directory or DIRECTORY_DIR).glob("*.yml")):
        entries.extend(load_file(path))
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise DirectoryError(f"{entry.source}: duplicate id '{entry.id}'")
        seen.add(entry.id)
    return tuple(entries)


@lru_cache(maxsize=1)
def entries() -> tuple[Entry, ...]:
    return load_directory()


def by_id() -> dict[str, Entry]:
    return {entry.id: entry for entry in entries()}


def match(text: str | None, candidates: tuple[Entry, ...] | None = None) -> Entry | None:
    """The entry this text asks about, or None."""
    folded = fold(text)
    if not folded:
        return None
    best: tuple[int, int, int] = (0, 0, 0)
    found: Entry | None = None
    for entry in entries() if candidates is None else candidates:
        topic = _hits(folded, entry.keywords)
        if not topic:
            continue
        refine = _hits(folded, entry.refine)
        score = (len(refine), sum(map(len, refine)), max(map(len, topic)))
        if found is None or score > best:
            best, found = score, entry
    return found
