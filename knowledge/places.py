"""Place names after the 01/07/2025 merger: an old commune/ward name in a report's location → the unit it is now.

Tables: knowledge/places/*.yml (README there). A location mentions an old unit when its type and name occur as whole
words ("xã Hòa Lợi", "xa hoa loi", "P. 9" is not guessed); accents and case are ignored. An old name shared by
several old units counts only when the old district or province named in the text, or the province the caller
serves, leaves exactly one. The citizen's words are kept: ``annotate`` adds the new unit after them. Pure Python:
both environments import it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge.directory import fold

PLACES_DIR = Path(__file__).resolve().parent / "places"
TYPES = ("xã", "phường", "thị trấn")


@dataclass(frozen=True)
class Former:
    name: str  # "xã Hòa Lợi"
    district: str
    province: str  # the old province
    new: str  # "xã Hòa Bình"
    new_province: str


@dataclass(frozen=True)
class Place:
    text: str  # the citizen's words, unchanged
    old: str  # the old unit named, as in the table
    new: str
    new_province: str

    @property
    def renamed(self) -> bool:
        return fold(self.old) != fold(self.new)


def _bare(name: str) -> str:
    """The folded name without its unit type ("Xã Hòa Lợi" → "hoa loi"; "Thị trấn Hòa Thành" → "hoa thanh")."""
    folded = fold(name)
    for kind in (*TYPES, "huyện", "quận", "thị xã", "thành phố", "tỉnh"):
        if folded.startswith(fold(kind) + " "):
            return folded[len(fold(kind)) + 1 :]
    return folded


def _kind(name: str) -> str:
    folded = fold(name)
    return next((fold(k) for k in TYPES if folded.startswith(fold(k) + " ")), "")


def load_tables(directory: Path | None = None) -> tuple[Former, ...]:
    formers: list[Former] = []
    for path in sorted((directory or PLACES_DIR).glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        province = str(document.get("province") or "")
        for unit in document.get("units") or []:
            for old in unit.get("former") or []:
                if not old.get("name") or not unit.get("new"):
                    raise ValueError(f"{path.name}: every unit needs 'new' and every former unit a 'name'")
                formers.append(
                    Former(str(old["name"]), str(old.get("district") or ""), str(old.get("province") or ""),
                           str(unit["new"]), province)
                )  # fmt: skip
    return tuple(formers)


@lru_cache(maxsize=1)
def tables() -> tuple[Former, ...]:
    return load_tables()


def _mentions(folded: str, phrase: str) -> bool:
    return bool(phrase) and re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", folded) is not None


def find_place(
    text: str | None, *, province: str | None = None, formers: tuple[Former, ...] | None = None
) -> Place | None:
    """The old (or current) unit this location names and the unit it is now, or None when none or ambiguous."""
    folded = fold(text)
    if not folded:
        return None
    hits = [
        f for f in (tables() if formers is None else formers)
        if _mentions(folded, f"{_kind(f.name)} {_bare(f.name)}".strip())
    ]  # fmt: skip
    if len(hits) > 1:  # the old district or province in the text, or the province served, picks one
        for narrow in (
            lambda f: _mentions(folded, _bare(f.district)),
            lambda f: _mentions(folded, _bare(f.province)),
            lambda f: province is not None and fold(province) in (fold(f.new_province), fold(f.province)),
        ):
            narrowed = [f for f in hits if narrow(f)]
            if narrowed:
                hits = narrowed
            if len({(f.new, f.new_province) for f in hits}) == 1:
                break
    if not hits or len({(f.new, f.new_province) for f in hits}) != 1:
        return None
    longest = max(hits, key=lambda f: len(f.name))
    return Place(text=str(text), old=longest.name, new=longest.new, new_province=longest.new_province)


def annotate(location: str | None, *, province: str | None = None) -> str | None:
    """The location as the citizen wrote it, with the new unit added when it names an old one."""
    if not location or not location.strip():
        return location
    place = find_place(location, province=province)
    if place is None or not place.renamed or _mentions(fold(location), fold(place.new)):
        return location
    return f"{location.strip()} (nay thuộc {place.new}, {place.new_province})"
