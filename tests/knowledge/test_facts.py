"""Facts you can check: every procedure fact carries its basis to the article (or says it is not yet verified),
a review younger than 12 months, a reviewer and validity dates; the loader rejects files that do not."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from knowledge.facts import (
    FACT_ASPECTS,
    KnowledgeError,
    load_procedures,
    vietnam_today,
)
from knowledge.review import fact_problems, online_problems, review_items

PROCEDURES = load_procedures()
DROP = object()
# Every version of every fact, superseded ones included: each must carry its basis and a review.
FACTS = [(pid, aspect, fact) for pid, proc in PROCEDURES.items() for aspect, versions in proc.variants.items()
         for fact in versions]  # fmt: skip


@pytest.mark.parametrize(("procedure", "aspect", "fact"), FACTS, ids=[f"{p}.{a}" for p, a, _ in FACTS])
def test_every_fact_has_its_basis_and_a_review_younger_than_a_year(procedure: str, aspect: str, fact: object) -> None:
    from knowledge.facts import Fact

    assert isinstance(fact, Fact)
    assert fact.basis and fact.reviewed_by and fact.valid_from
    assert fact_problems(fact, vietnam_today()) == [], (procedure, aspect)


def test_every_procedure_states_each_required_fact_and_registration_deadlines() -> None:
    assert len(PROCEDURES) == 16  # the 12 commune procedures and 4 sub-procedures answered as themselves
    for proc in PROCEDURES.values():
        assert {"who", "documents", "time", "fee", "where"} <= set(proc.facts), proc.id
        assert set(proc.facts) <= set(FACT_ASPECTS)
    assert "60 ngày" in PROCEDURES["khai_sinh"].facts["deadline"].text
    assert PROCEDURES["khai_sinh"].facts["deadline"].basis == ("Điều 15 khoản 1 Luật Hộ tịch 2014",)
    assert "15 ngày" in PROCEDURES["khai_tu"].facts["deadline"].text
    assert PROCEDURES["khai_tu"].facts["deadline"].basis == ("Điều 33 khoản 1 Luật Hộ tịch 2014",)
    assert "60 ngày" not in PROCEDURES["khai_sinh"].facts["time"].text  # processing time is not the deadline


@pytest.mark.parametrize("procedure", ["ket_hon", "giam_ho"])
def test_marriage_and_guardianship_are_free_for_residents(procedure: str) -> None:
    fee = PROCEDURES[procedure].facts["fee"]
    assert fee.text.startswith("Miễn lệ phí") and "HĐND" not in fee.text
    assert "Điều 11 khoản 1 điểm b Luật Hộ tịch 2014" in fee.basis


def test_corrected_fees_and_two_level_government() -> None:
    extract = PROCEDURES["trich_luc_ho_tich"].facts["fee"]
    assert "8.000 đồng" in extract.text and "HĐND" not in extract.text
    assert "Điều 4 Thông tư 281/2016/TT-BTC" in extract.basis
    allowance = PROCEDURES["tro_cap_xa_hoi"]
    assert "Chủ tịch UBND xã quyết định" in allowance.facts["time"].text
    assert any("147/2025" in item for item in allowance.facts["time"].basis)
    marital = PROCEDURES["xac_nhan_hon_nhan"].facts["where"]
    assert "tạm trú" in marital.text and any("120/2025" in item for item in marital.basis)
    for proc in PROCEDURES.values():  # no district level since 1 July 2025
        for fact in proc.facts.values():
            assert "cấp huyện quyết định" not in fact.text and "UBND huyện" not in fact.text, proc.id


def test_civil_status_facts_end_before_the_reported_new_law() -> None:
    for pid in ("khai_sinh", "khai_tu", "ket_hon", "trich_luc_ho_tich"):
        for fact in PROCEDURES[pid].facts.values():
            if any("Luật Hộ tịch" in item for item in fact.basis):
                assert fact.valid_until == date(2027, 2, 28), (pid, fact.aspect)


def _write(folder: Path, fact: dict[str, object], **extra: object) -> Path:
    (folder / "procedures").mkdir(exist_ok=True)
    base: dict[str, object] = {
        "text": "x",
        "basis": ["Điều 1 Luật A"],
        "reviewed_on": "2026-11-01",
        "reviewed_by": "A",
        "valid_from": "2020-01-01",
    }
    facts = {aspect: {**base, **({"items": ["giấy"]} if aspect == "documents" else {})} for aspect in
             ("who", "documents", "time", "fee", "where")}  # fmt: skip
    facts["fee"] = {k: v for k, v in {**base, **fact}.items() if v is not DROP}
    doc = {"id": "thu", "name": "Thử", "facts": facts, **extra}
    (folder / "procedures" / "thu.yml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("fact", "message"),
    [
        ({"basis": []}, "basis"),
        ({"basis": DROP}, "basis"),
        ({"reviewed_on": None}, "reviewed_on"),
        ({"reviewed_on": "hôm qua"}, "reviewed_on"),
        ({"reviewed_by": ""}, "reviewed_by"),
        ({"valid_from": "2020-01-01", "valid_until": "2019-01-01"}, "valid_until"),
        ({"text": ""}, "text"),
    ],
)
def test_the_loader_names_the_file_and_field_of_a_bad_fact(
    tmp_path: Path, fact: dict[str, object], message: str
) -> None:
    _write(tmp_path, fact)
    with pytest.raises(KnowledgeError) as raised:
        load_procedures(tmp_path)
    assert "thu.yml" in str(raised.value) and message in str(raised.value)


def test_a_stale_review_or_an_uncited_basis_is_a_problem_and_is_listed(tmp_path: Path) -> None:
    today = date(2026, 11, 28)
    _write(tmp_path, {"reviewed_on": "2025-11-01", "basis": ["Luật A"]})
    proc = load_procedures(tmp_path)["thu"]
    problems = fact_problems(proc.facts["fee"], today)
    assert any("quá hạn rà soát" in p for p in problems) and any("chưa dẫn tới điều" in p for p in problems)
    kinds = {(item.aspect, item.kind) for item in review_items({"thu": proc}, today)}
    assert ("fee", "overdue") in kinds and ("fee", "unverified") in kinds
    # a basis marked for review is not a failure, but stays on the console's list
    _write(tmp_path, {"reviewed_on": "2026-11-01", "basis": ["Nghị định 1/2025"], "review_note": "chưa rõ điều"})
    proc = load_procedures(tmp_path)["thu"]
    assert fact_problems(proc.facts["fee"], today) == []
    assert [(i.aspect, i.kind) for i in review_items({"thu": proc}, today)] == [("fee", "unverified")]


def test_review_due_soon_and_expiry_are_listed_in_order(tmp_path: Path) -> None:
    today = date(2026, 11, 28)
    _write(tmp_path, {"reviewed_on": str(today - timedelta(days=340)), "valid_until": "2027-01-31"})
    items = review_items(load_procedures(tmp_path), today)
    assert [(i.aspect, i.kind) for i in items] == [("fee", "due_soon"), ("fee", "expiring")]
    assert items[0].due == today - timedelta(days=340) + timedelta(days=365)
    items = review_items(load_procedures(tmp_path), date(2027, 2, 1))
    assert ("fee", "expired") in [(i.aspect, i.kind) for i in items]
    assert not load_procedures(tmp_path)["thu"].facts["fee"].in_force(date(2027, 2, 1))


# --- dated facts: a temporary rule before, during and after its period ------------------------------------------------
WAIVER = [
    (date(2026, 8, 14), False),  # the day before Thông tư 117/2026/TT-BTC's waiver
    (date(2026, 8, 15), True),
    (date(2027, 2, 28), True),
    (date(2027, 3, 1), False),  # the day after it ends
]


@pytest.mark.parametrize(("day", "waived"), WAIVER, ids=[f"{d}" for d, _ in WAIVER])
def test_the_extract_and_residence_fee_waiver_switches_on_its_dates(day: date, waived: bool) -> None:
    extract = PROCEDURES["trich_luc_ho_tich"].fact("fee", day)
    residence = PROCEDURES["cu_tru"].fact("fee", day)
    assert extract is not None and residence is not None
    assert extract.in_force(day) and residence.in_force(day)
    assert ("VNeID" in extract.text) is waived and ("VNeID" in residence.text) is waived
    assert ("Thông tư 117/2026/TT-BTC" in extract.basis) is waived
    assert "8.000 đồng" in extract.text  # what the others pay, during the waiver too
    assert "20.000 đồng (trực tuyến 10.000 đồng)" in residence.text  # counter vs online, from Thông tư 75/2022/TT-BTC
    if waived:  # the waiver is re-read before it ends
        assert extract.review_due() == date(2027, 2, 15) and extract.valid_until == date(2027, 2, 28)


def test_vietnam_today_is_the_date_in_hanoi_and_can_be_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    monkeypatch.delenv("XASO_TODAY", raising=False)
    # 17:30 UTC on 14/08 is 00:30 on 15/08 in Hà Nội: the waiver has started there
    assert vietnam_today(datetime(2026, 8, 14, 17, 30, tzinfo=UTC)) == date(2026, 8, 15)
    assert vietnam_today(datetime(2026, 8, 14, 16, 59, tzinfo=UTC)) == date(2026, 8, 14)
    monkeypatch.setenv("XASO_TODAY", "2027-03-01")
    assert vietnam_today() == date(2027, 3, 1)
    assert "8.000 đồng" in PROCEDURES["trich_luc_ho_tich"].facts["fee"].text  # ``facts`` reads the frozen clock
    monkeypatch.setenv("XASO_TODAY", "mai")
    with pytest.raises(KnowledgeError, match="XASO_TODAY"):
        vietnam_today()


def _versions(folder: Path, versions: list[dict[str, object]]) -> Path:
    _write(folder, {})
    path = folder / "procedures" / "thu.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    base = doc["facts"]["fee"]
    doc["facts"]["fee"] = [{**base, **version} for version in versions]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder


def test_overlapping_versions_are_refused_and_superseded_ones_leave_the_review_list(tmp_path: Path) -> None:
    _versions(tmp_path, [{"valid_until": "2026-08-31"}, {"valid_from": "2026-08-15", "text": "y"}])
    with pytest.raises(KnowledgeError, match="chồng lên"):
        load_procedures(tmp_path)
    _versions(tmp_path, [{"valid_until": "2026-08-14", "reviewed_on": "2025-01-01"},
                         {"valid_from": "2026-08-15", "text": "y"}])  # fmt: skip
    proc = load_procedures(tmp_path)["thu"]
    assert proc.fact("fee", date(2026, 8, 14)).text == "x" and proc.fact("fee", date(2026, 8, 15)).text == "y"
    before = {(i.aspect, i.kind) for i in review_items({"thu": proc}, date(2026, 8, 1))}
    after = {(i.aspect, i.kind) for i in review_items({"thu": proc}, date(2026, 9, 1))}
    assert ("fee", "overdue") in before  # the version answering today was reviewed too long ago
    assert ("fee", "overdue") not in after  # history is not a task


def test_review_by_brings_the_review_forward(tmp_path: Path) -> None:
    _write(tmp_path, {"reviewed_on": "2026-11-01", "review_by": "2026-12-01"})
    fact = load_procedures(tmp_path)["thu"].fact("fee", date(2026, 12, 6))
    assert fact is not None and fact.review_overdue(date(2026, 12, 6)) and not fact.review_overdue(date(2026, 11, 30))
    assert any("quá hạn rà soát 01/12/2026" in p for p in fact_problems(fact, date(2026, 12, 6)))
    _write(tmp_path, {"reviewed_on": "2026-11-01", "review_by": "2026-10-01"})
    with pytest.raises(KnowledgeError, match="review_by"):
        load_procedures(tmp_path)


# --- the content review of 06/12/2026 --------------------------------------------------------------------------------
TODAY = date(2026, 12, 6)


def test_birth_and_marriage_papers_follow_decree_07_2025() -> None:
    birth = PROCEDURES["khai_sinh"].fact("documents", TODAY)
    marriage = PROCEDURES["ket_hon"].fact("documents", TODAY)
    assert birth is not None and marriage is not None
    assert not any("Giấy chứng nhận kết hôn" in item and "Không cần" not in item for item in birth.items)
    assert any(item.startswith("Không cần mang Giấy chứng nhận kết hôn") for item in birth.items)
    assert not any(item.startswith("Giấy xác nhận tình trạng hôn nhân") for item in marriage.items)
    assert any("tra cứu" in item for item in marriage.items)
    for fact in (birth, marriage):
        assert "Điều 2 Nghị định 07/2025/NĐ-CP" in fact.basis and fact.valid_from == date(2025, 1, 9)


def test_social_pension_is_its_own_procedure_with_the_2024_law() -> None:
    pension = PROCEDURES["tro_cap_huu_tri_xa_hoi"]
    who = pension.fact("who", TODAY)
    assert who is not None and "75 tuổi" in who.text and "70 tuổi" in who.text and "hộ cận nghèo" in who.text
    assert "Điều 21 Luật Bảo hiểm xã hội 2024" in who.basis and who.valid_from == date(2025, 7, 1)
    fee = pension.fact("fee", TODAY)
    assert fee is not None and "chưa kiểm chứng" in fee.text and "đồng" not in fee.text  # no amount we have not found
    assert pension.refines == ("tro_cap_xa_hoi",)


@pytest.mark.parametrize(
    ("procedure", "parent"),
    [("cham_dut_giam_ho", "giam_ho"), ("thay_doi_giam_ho", "giam_ho"), ("khai_sinh_qua_han", "khai_sinh"),
     ("trich_luc_ho_tich", "khai_sinh"), ("cai_chinh_ho_tich", "khai_sinh")],
)  # fmt: skip
def test_sub_procedures_refine_their_parent(procedure: str, parent: str) -> None:
    assert parent in PROCEDURES[procedure].refines
    assert PROCEDURES[procedure].fact("time", TODAY) is not None


def test_ending_a_guardianship_has_its_own_time_limit_and_basis() -> None:
    ending = PROCEDURES["cham_dut_giam_ho"].fact("time", TODAY)
    registering = PROCEDURES["giam_ho"].fact("time", TODAY)
    assert ending is not None and registering is not None
    assert ending.text.startswith("02 ngày làm việc") and registering.text.startswith("03 ngày làm việc")
    assert ending.basis == ("Điều 23 khoản 2 Luật Hộ tịch 2014",)
    assert "chấm dứt giám hộ" not in PROCEDURES["giam_ho"].keywords


def test_every_procedure_says_how_to_file_online_with_a_level_2_account() -> None:
    for proc in PROCEDURES.values():
        if proc.id in ("chung_thuc_ban_sao", "chung_thuc_chu_ky"):
            continue  # certification needs the original / the signature in person
        online = proc.fact("online", TODAY)
        assert online is not None and "mức độ 2" in online.text, proc.id


def test_every_text_since_2024_cited_by_a_fact_has_a_row_in_the_change_register() -> None:
    """A new text means a new row in docs/legal-changes.md: a fact citing a 2024+ decree or circular the register
    does not name fails here."""
    import re

    register = (Path(__file__).resolve().parents[2] / "docs" / "legal-changes.md").read_text(encoding="utf-8")
    numbered = re.compile(r"(\d+/(20\d\d)/(?:NĐ-CP|TT-[A-Z]+|QH\d+))")
    cited = {
        match.group(1)
        for versions in (proc.variants.values() for proc in PROCEDURES.values())
        for facts in versions
        for fact in facts
        for item in fact.basis
        for match in numbered.finditer(item)
        if int(match.group(2)) >= 2024
    }
    assert cited, "the review cites texts since 2024"
    assert {number for number in cited if number not in register} == set()
    for law in ("Luật Bảo hiểm xã hội 2024",):
        assert law in register


# --- the online level and the filing link (issue #24) -----------------------------------------------------------------
SEARCH = "https://dichvucong.gov.vn/p/home/dvc-tim-kiem-thu-tuc.html?key=%C4%90%C4%83ng+k%C3%BD+th%E1%BB%AD"
ONLINE = {
    "level": "toan_trinh", "url": SEARCH, "link": "search", "note": "Nộp trên Cổng.",
    "basis": ["Điều 11 khoản 1 Nghị định 42/2022/NĐ-CP"], "reviewed_on": "2026-12-07", "reviewed_by": "A",
}  # fmt: skip


def test_every_procedure_has_its_online_level_cited_to_decree_42_and_reviewed() -> None:
    for proc in PROCEDURES.values():
        online = proc.online
        assert online is not None, proc.id
        assert any(item.startswith("Điều 11") and "42/2022/NĐ-CP" in item for item in online.basis), proc.id
        assert online_problems(online, date(2026, 12, 7)) == [], proc.id
        assert online.available is (online.level != "chua_co") and proc.online_url == online.url
        if online.link == "search":  # no procedure page id invented: the portal's search for the name
            assert online.url and "dvc-tim-kiem-thu-tuc.html?key=" in online.url and online.review_note, proc.id
    assert PROCEDURES["chung_thuc_chu_ky"].online.level == "chua_co"  # type: ignore[union-attr]
    assert PROCEDURES["ket_hon"].online.level == "mot_phan"  # type: ignore[union-attr]
    assert PROCEDURES["cu_tru"].online.url == "https://dichvucong.bocongan.gov.vn"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"level": "muc_4"}, "online: 'level'"),
        ({"url": "http://dichvucong.gov.vn/p/home/dvc-tim-kiem-thu-tuc.html?key=a"}, "online: 'url' phải là"),
        ({"url": "https://dichvucong.example.com/?key=a"}, ".gov.vn"),
        ({"url": DROP}, "thiếu 'url'"),
        ({"link": "trang"}, "online: 'link'"),
        ({"url": "https://dichvucong.gov.vn/p/home/dvc-tim-kiem-thu-tuc.html"}, "tham số 'key'"),
        ({"link": "page"}, "tham số 'ma_thu_tuc'"),
        ({"link": "portal"}, "trang chủ cổng"),
        ({"level": "chua_co"}, "không ghi 'url'"),
        ({"basis": []}, "online: 'basis'"),
        ({"reviewed_on": "mai"}, "reviewed_on"),
        ({"reviewed_by": ""}, "reviewed_by"),
    ],
)
def test_the_loader_names_the_file_and_field_of_a_bad_online_block(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    online = {k: v for k, v in {**ONLINE, **change}.items() if v is not DROP}
    _write(tmp_path, {}, online=online)
    with pytest.raises(KnowledgeError) as raised:
        load_procedures(tmp_path)
    assert "thu.yml" in str(raised.value) and message in str(raised.value), str(raised.value)


def test_a_good_online_block_loads_and_an_old_or_uncited_one_is_a_problem(tmp_path: Path) -> None:
    _write(tmp_path, {}, online=ONLINE)
    online = load_procedures(tmp_path)["thu"].online
    assert online is not None and online.label == "toàn trình" and online.link == "search"
    page = {**ONLINE, "url": "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.1",
            "link": "page"}  # fmt: skip
    _write(tmp_path, {}, online={**page, "basis": ["Nghị định 42/2022/NĐ-CP"], "reviewed_on": "2025-01-01"})
    online = load_procedures(tmp_path)["thu"].online
    assert online is not None and online.link == "page"
    problems = online_problems(online, date(2026, 12, 7))
    assert any("chưa dẫn tới điều" in p for p in problems) and any("quá hạn rà soát" in p for p in problems)
    _write(tmp_path, {}, online={k: v for k, v in ONLINE.items() if k not in ("url", "link")} | {"level": "chua_co"})
    online = load_procedures(tmp_path)["thu"].online
    assert online is not None and not online.available and load_procedures(tmp_path)["thu"].online_url is None
