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
    fact_problems,
    load_procedures,
    review_items,
)

PROCEDURES = load_procedures()
DROP = object()
FACTS = [(pid, aspect, fact) for pid, proc in PROCEDURES.items() for aspect, fact in proc.facts.items()]


@pytest.mark.parametrize(("procedure", "aspect", "fact"), FACTS, ids=[f"{p}.{a}" for p, a, _ in FACTS])
def test_every_fact_has_its_basis_and_a_review_younger_than_a_year(procedure: str, aspect: str, fact: object) -> None:
    from knowledge.facts import Fact

    assert isinstance(fact, Fact)
    assert fact.basis and fact.reviewed_by and fact.valid_from
    assert fact_problems(fact, date.today()) == [], (procedure, aspect)


def test_every_procedure_states_each_required_fact_and_registration_deadlines() -> None:
    assert len(PROCEDURES) == 12
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
