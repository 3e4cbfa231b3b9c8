"""Place names after the 01/07/2025 merger (issue 22): an old commune/ward name in a report's location is recognised,
with or without diacritics, and the new unit is added after the citizen's own words; an ambiguous old name is never
guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.places import annotate, find_place, load_tables


@pytest.mark.parametrize(
    "location, new",
    [
        ("đèn đường hỏng ở ấp 3 xã Hòa Lợi", "xã Hòa Bình"),  # the demo commune's merged communes
        ("thon Dong, xa hoa thanh cu", "xã Hòa Bình"),
        ("ấp 2 xã Hòa Lợi, huyện Hòa Thành", "xã Hòa Bình"),
        ("chợ thị trấn Hòa Thành", "xã Tân Phú"),
        ("Phường 9, thành phố Cà Mau", "Phường An Xuyên"),  # a real table (underthesea's official mapping)
    ],
)
def test_an_old_name_gets_the_new_unit_and_keeps_the_citizens_words(location: str, new: str) -> None:
    place = find_place(location)
    assert place is not None and place.new == new
    annotated = annotate(location)
    assert annotated is not None and annotated.startswith(location) and f"nay thuộc {new}" in annotated


def test_current_names_unknown_names_and_ambiguous_names_are_left_alone() -> None:
    assert annotate("ấp 1 xã Hòa Bình") == "ấp 1 xã Hòa Bình"  # already the new unit's name
    assert annotate("gần cầu Đôi, ấp 5") == "gần cầu Đôi, ấp 5"
    assert annotate("Hòa Lợi") == "Hòa Lợi"  # a bare name (a hamlet? a person?) without its unit type
    assert find_place("Phường 1") is None  # Phường 1 of Cà Mau and of Bạc Liêu became different units
    assert find_place("Phường 1, Bạc Liêu") is not None  # ...the old province in the text picks one
    assert annotate(None) is None and annotate("  ") == "  "


def test_a_table_without_names_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text("province: X\nunits:\n  - new: Y\n    former:\n      - {district: Z}\n")
    with pytest.raises(ValueError, match=r"bad\.yml"):
        load_tables(tmp_path)
