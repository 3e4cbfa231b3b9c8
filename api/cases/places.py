"""Where a report is, after the 01/07/2025 merger (issue 22): the unit its location names, old names included.

People keep writing the old commune's name for years. A report whose location names a unit that is now ANOTHER
commune — by the province's table of merged units (knowledge/places/) or by the former names a commune of this
deployment was onboarded with (api/province) — is not the receiving commune's departments' work: the case goes to
the triage queue with the unit it belongs to named, so the office forwards it; a location in the commune itself (its
own old names included) is routed as usual. The citizen's words are kept (the location is only annotated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select

from api.communes.models import Commune, FormerName
from knowledge.directory import fold
from knowledge.places import find_place

UNIT_TYPES = ("xa ", "phuong ", "thi tran ")
_OTHER_FORMER_NAMES = (
    select(Commune.name.label("commune"), FormerName.name.label("former"))
    .join(FormerName, FormerName.commune_id == Commune.id)
    .where(Commune.province == bindparam("province"), Commune.id != bindparam("commune_id"))
)
_OTHER_COMMUNES = select(Commune.name).where(
    Commune.province == bindparam("province"), Commune.id != bindparam("commune_id")
)


@dataclass(frozen=True)
class Elsewhere:
    """The location names ``old``, a unit that is now ``new``; ``commune`` serves it in this deployment (or None)."""

    old: str
    new: str
    commune: str | None  # its name, e.g. "UBND phường An Phú"

    def note(self) -> str:
        target = self.commune or f"UBND {self.new}"
        return f"Địa điểm ghi {self.old}, nay thuộc {self.new}: ngoài địa bàn, cần chuyển {target}."


def _says(folded_text: str, folded_phrase: str) -> bool:
    return (
        bool(folded_phrase)
        and re.search(rf"(?<![a-z0-9]){re.escape(folded_phrase)}(?![a-z0-9])", folded_text) is not None
    )


def _bare(name: str) -> str:
    """ "UBND phường An Phú" / "phường An Phú" → "an phu"."""
    folded = fold(name).removeprefix("ubnd ").removeprefix("uy ban nhan dan ")
    for unit in UNIT_TYPES:
        if folded.startswith(unit):
            return folded[len(unit) :]
    return folded


def elsewhere(
    connection: Connection, *, location: str | None, commune_id: int, commune_name: str, province: str
) -> Elsewhere | None:
    """The other unit this location names, or None when it names none or a unit of the commune itself."""
    folded = fold(location)
    if not any(_says(folded, unit.strip()) for unit in UNIT_TYPES):  # names no commune or ward (most reports)
        return None
    place = find_place(location, province=province or None)
    if place is not None and province and fold(place.new_province) != fold(province):
        place = None  # a unit of another province's table (the same name exists in many provinces)
    if place is not None:
        if _bare(place.new) == _bare(commune_name):
            return None
        served = [
            row.name
            for row in connection.execute(_OTHER_COMMUNES, {"province": province, "commune_id": commune_id})
            if _bare(row.name) == _bare(place.new)
        ]
        return Elsewhere(place.old, place.new, served[0] if len(served) == 1 else None)
    rows = connection.execute(_OTHER_FORMER_NAMES, {"province": province, "commune_id": commune_id})
    for row in rows:
        former = fold(row.former)
        if former.startswith(UNIT_TYPES) and _says(folded, former):  # "xã Phú Mỹ", never a bare "Phú Mỹ"
            return Elsewhere(row.former, row.commune.removeprefix("UBND ").strip(), row.commune)
    return None
