"""Rebuild api/province/data/units_2025.csv from underthesea's address data (run with .venv-rasa's Python).

Source: underthesea 9.5.0, underthesea/address/data/mapping.json (Apache-2.0), built by underthesea from the
vietnamadminunits package 1.0.4: every former commune-level unit and the unit it belongs to since 01/07/2025.
One row per new unit: province code and name, a slug (province short name + unit name, unique nationwide), the
unit's name and the former units merged into it ("name (former district)", separated by "; "). No unit codes: the
data carries none.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import unicodedata
from pathlib import Path

import underthesea.address

OUT = Path(__file__).resolve().parent.parent / "api" / "province" / "data" / "units_2025.csv"


def slug(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def main() -> None:
    data = json.loads((Path(underthesea.address.__file__).parent / "data" / "mapping.json").read_text("utf-8"))
    units: dict[tuple[str, str], list[str]] = {}
    for row in data["ward_mapping"]:
        former = row["old_ward"] + (f" ({row['old_district']})" if row.get("old_district") else "")
        merged = units.setdefault((row["new_province"], row["new_ward"]), [])
        if former not in merged:
            merged.append(former)
    info = {v["name"]: v for v in data["province_names"].values()}
    rows = []
    for (province, ward), merged in sorted(units.items()):
        rows.append({
            "province_code": info[province]["code"], "province": province,
            "slug": f"{slug(info[province]['short'])}-{slug(ward)}"[:63].strip("-"), "name": ward,
            "merged_from": "; ".join(merged),
        })  # fmt: skip
    if len({r["slug"] for r in rows}) != len(rows):
        sys.exit("slugs are not unique")
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} units in {len({r['province'] for r in rows})} provinces → {OUT}")


if __name__ == "__main__":
    main()
