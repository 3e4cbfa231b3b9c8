"""The directory of where things are done: procedures citizens ask the commune about that are not among its own
(passports, health-insurance cards, social insurance, land, driving licences, courts...), one YAML file per group of
agencies in knowledge/directory/ (README there). One loader with a schema check (a wrong file names the file and the
field), and one matcher: a text matches an entry when one of its topic ``keywords`` occurs as whole words (case and
spacing ignored); among the entries that match, the one with the most ``refine`` words wins (their total length breaks
ties, then the longest topic keyword, then file order). Accents: a word typed without them stands for any accented
form ("kien" may be "kiện"), a word typed with them must be the keyword's word ("kiến nghị" is not "kiện"; "hoà" is
"hòa": the tone is compared apart from the vowel it sits on). Pure Python: both environments import it.
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

from xaso_text import fold as fold_marks
from xaso_text import fold_chars, nfc

DIRECTORY_DIR = Path(__file__).resolve().parent / "directory"
REQUIRED = ("id", "name", "keywords", "agency", "prepare", "basis")
TEXT_FIELDS = ("name", "agency", "online", "prepare", "complaint", "hotline", "reviewed_by", "review_note")
KNOWN = {*REQUIRED, *TEXT_FIELDS, "refine", "commune", "reviewed_on", "category"}
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng (after NFD)


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
    return " ".join(fold_marks(text).split())


def _spaced(text: str | None) -> str:
    """NFC, lower-case, single-spaced: what the matcher reads; ``fold_chars`` of it has the same length."""
    return " ".join(nfc(text).lower().split())


def _tone_apart(word: str) -> tuple[str, str]:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if c not in _TONES), "".join(sorted(c for c in decomposed if c in _TONES))


@lru_cache(maxsize=4096)
def _pattern(phrase: str) -> tuple[str, re.Pattern[str], tuple[tuple[str, str], ...]] | None:
    """The phrase folded, its whole-word pattern, and each of its words with the tone apart."""
    key = fold(phrase)
    if not key:
        return None
    pattern = re.compile(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])")
    return key, pattern, tuple(_tone_apart(word) for word in _spaced(phrase).split())


def _same_word(typed: str, keyword: tuple[str, str]) -> bool:
    """Typed without accents: any accented form; typed with them: the keyword's letters and tone."""
    return fold_chars(typed) == typed or _tone_apart(typed) == keyword


def _hits(spaced: str, folded: str, phrases: tuple[str, ...]) -> list[str]:
    """The (folded) phrases that occur in the text as whole words, without those inside a longer hit. ``folded`` is
    ``fold_chars(spaced)``: a match in it is at the same place in ``spaced``, where its accents are checked."""
    keys: list[str] = []
    for phrase in phrases:
        compiled = _pattern(phrase)
        if compiled is None:
            continue
        key, pattern, words = compiled
        for found in pattern.finditer(folded):
            typed = spaced[found.start() : found.end()].split()
            if len(typed) == len(words) and all(map(_same_word, typed, words)):
                keys.append(key)
                break
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
    spaced = _spaced(text)
    if not spaced:
        return None
    folded = fold_chars(spaced)
    best: tuple[int, int, int] = (0, 0, 0)
    found: Entry | None = None
    for entry in entries() if candidates is None else candidates:
        topic = _hits(spaced, folded, entry.keywords)
        if not topic:
            continue
        refine = _hits(spaced, folded, entry.refine)
        score = (len(refine), sum(map(len, refine)), max(map(len, topic)))
        if found is None or score > best:
            best, found = score, entry
    return found
