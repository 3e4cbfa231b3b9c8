"""The directory of where things are done (issue 22): every file follows the schema, there are at least 60
procedures beyond the commune's own, each says who handles it after the 2025 reorganisation, how to file online, what
to prepare, its basis and review date; the matcher finds the entry a citizen's question is about.

The questions below are the matcher's tuning set (the five messages of the issue and questions written for tuning);
the frozen set (tests/bot/beyond_twelve_frozen.yml) is only measured: its floor is in test_directory_frozen below.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from api.cases.catalog import CATEGORIES
from api.cases.seed import RULES
from knowledge import directory
from knowledge.directory import DirectoryError, load_directory, load_file, match

ROOT = Path(__file__).resolve().parents[2]
FROZEN = ROOT / "tests" / "bot" / "beyond_twelve_frozen.yml"
PROCEDURE_IDS = {p.stem for p in (ROOT / "knowledge" / "procedures").glob("*.yml")}


def test_every_entry_has_what_a_citizen_needs() -> None:
    entries = load_directory()
    assert len(entries) >= 60
    for entry in entries:
        assert entry.id not in PROCEDURE_IDS, f"{entry.id} is one of the commune's own procedures"
        assert entry.agency and entry.prepare and entry.basis and entry.reviewed_on, entry.id
        assert entry.online, f"{entry.id}: say where to file online, or that it is filed in person"
        assert entry.review_note, f"{entry.id}: say what could not be verified"
    assert {"ho_chieu", "bhyt_gia_han", "thai_san", "dat_thu_hoi", "hoan_tam_ung_an_phi", "ho_kinh_doanh"} <= {
        e.id for e in entries
    }
    assert directory.by_id()["ho_kinh_doanh"].commune  # a commune procedure since 01/07/2025, said plainly


@pytest.mark.parametrize(
    "text, expected",
    [
        # the five messages of the issue
        ("Con tôi mới sinh được hai tháng, nay muốn làm hộ chiếu để cháu đi du lịch…", "ho_chieu"),
        ("Gia hạn thẻ BHYT", "bhyt_gia_han"),
        ("Sinh con từ ngày 6 tháng 12 năm 2022 nhưng chưa được tiền thai sản", "thai_san_cham_chi_tra"),
        ("Trình tự thu hồi đất do người sử dụng đất tự nguyện trả lại đất?", "dat_thu_hoi"),
        ("Tôi muốn nhận lại tiền tạm ứng án phí thì cần những giấy tờ gì?", "hoan_tam_ung_an_phi"),
        # tuning questions
        ("làm hộ chiếu cho con được không?", "ho_chieu"),
        ("mat ho chieu roi lam lai sao", "ho_chieu_cap_lai"),
        ("cccd het han doi o dau", "can_cuoc_cap_doi"),
        ("lam lai can cuoc bi mat", "can_cuoc_cap_lai"),
        ("the bhyt bi mat xin cap lai", "bhyt_cap_lai"),
        ("bhyt cho tre duoi 6 tuoi", "bhyt_tre_em"),
        ("công ty giữ sổ bảo hiểm không trả", "bhxh_chot_so_tra_so"),
        ("rut bhxh mot lan", "bhxh_mot_lan"),
        ("dang ky ho kinh doanh o dau", "ho_kinh_doanh"),
        ("tam ngung ho kinh doanh", "ho_kinh_doanh_thay_doi"),
        ("doi bang lai xe o to", "gplx_doi"),
        ("sang ten xe may", "sang_ten_xe"),
        ("nop ho so that nghiep", "tro_cap_that_nghiep"),
        ("luong huu chuyen ve tinh khac", "huu_tri_chuyen_noi_nhan"),
        ("ly hon thuan tinh nop o dau", "ly_hon"),
        ("sổ đỏ bị mất xin cấp lại", "dat_cap_doi_cap_lai"),
        ("xin phép xây nhà 3 tầng", "giay_phep_xay_dung"),
        ("thủ tục khai sinh cho con", None),  # one of the commune's own: not in the directory
        # accents typed are read: "kiến nghị" (a suggestion) and "điều kiện" (conditions) are no lawsuit
        ("Tôi muốn kiến nghị về con đường bị ngập ở xóm 3", None),
        ("cần điều kiện gì để được hỗ trợ", None),
        ("toi muon khoi kien doi no", "khoi_kien_dan_su"),
        ("hàng xóm vay tiền không trả, tôi muốn kiện ra tòa", "khoi_kien_dan_su"),
        # a tone mark placed the old way ("toà") is the same word as the new way ("tòa"); another tone is not
        ("nó nợ tôi mãi không trả, giờ tôi kiện ra toà được không", "khoi_kien_dan_su"),
        ("nó nợ tôi mãi không trả, giờ tôi kiện ra tòa được không", "khoi_kien_dan_su"),
        ("nó nợ tôi mãi không trả, giờ tôi kiện ra tóa được không", None),
        ("bé bị sốt 39 độ", None),
    ],
)
def test_the_matcher_finds_the_entry(text: str, expected: str | None) -> None:
    found = match(text)
    assert (found.id if found else None) == expected


def test_a_broken_file_names_the_file_and_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("reviewed_on: '2026-12-06'\nentries:\n  - id: x\n    name: X\n    keywords: []\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match=r"bad.yml:x: 'keywords' is required"):
        load_file(bad)
    bad.write_text(
        "entries:\n  - {id: x, name: X, keywords: [a], agency: A, prepare: P, basis: [B], reviewed_on: soon}\n",
        encoding="utf-8",
    )
    with pytest.raises(DirectoryError, match="reviewed_on"):
        load_file(bad)
    bad.write_text("entries:\n  - {id: x, name: X, keywords: [a], agnecy: A}\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match="unknown field"):
        load_file(bad)
    entry = "{id: x, name: X, keywords: [a], agency: A, prepare: P, basis: [B], reviewed_on: '2026-12-06'"
    entry += ", category: khac"
    bad.write_text(f"entries:\n  - {entry}}}\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match="'category' is a case category"):  # only a complaint is filed as a case
        load_file(bad)
    bad.write_text(f"entries:\n  - {entry}, complaint: C}}\n", encoding="utf-8")
    assert load_file(bad)[0].category == "khac"


def test_the_complaints_file_into_case_categories() -> None:
    """A complaint about another agency's service or an employer is offered as a report (issue 22): its category is
    one the gateway files (api/cases/catalog.py) and routes (a rule of the seeded commune, api/cases/seed.py)."""
    complaints = [e for e in load_directory() if e.complaint]
    assert {"thai_san_cham_chi_tra", "bhxh_chot_so_tra_so"} <= {e.id for e in complaints}
    routed = {category for _kind, category, *_ in RULES}
    for entry in complaints:
        assert entry.category in CATEGORIES and entry.category in routed, entry.id


def frozen_directory_items() -> list[tuple[str, str | None]]:
    document = yaml.safe_load(FROZEN.read_text(encoding="utf-8"))
    items = []
    for group in document["groups"]:
        expected = group.get("directory")
        for text in group["texts"]:
            items.append((str(text), None if expected in (None, "-") else str(expected)))
    return items


# Measured on the frozen set 06/12/2026: 280/303 = 92.4% before any tuning, 282/303 = 93.1% after the tuning set
# above was fixed (docs/nlu.md, "Beyond the twelve"); the floor is that minus 2 points.
FROZEN_DIRECTORY_FLOOR = 0.91


def test_directory_frozen() -> None:
    """The matcher on the frozen set: the share of messages for which it names the labelled entry (or none)."""
    items = frozen_directory_items()
    right = sum((getattr(match(text), "id", None)) == expected for text, expected in items)
    print(f"directory matcher on the frozen set: {right}/{len(items)} = {right / len(items):.3f}")
    assert right / len(items) >= FROZEN_DIRECTORY_FLOOR
