"""The knowledge base under knowledge/: complete, well-formed, and found from accent-free text."""

from __future__ import annotations

import pytest

from actions import knowledge
from knowledge.emergency import load_emergency

PROCEDURES = (
    "khai_sinh", "khai_tu", "ket_hon", "xac_nhan_hon_nhan", "chung_thuc_ban_sao", "chung_thuc_chu_ky",
    "trich_luc_ho_tich", "cai_chinh_ho_tich", "nhan_cha_me_con", "giam_ho", "cu_tru", "tro_cap_xa_hoi",
    # sub-procedures, answered as themselves rather than as their parent
    "cham_dut_giam_ho", "thay_doi_giam_ho", "khai_sinh_qua_han", "tro_cap_huu_tri_xa_hoi",
)  # fmt: skip
HEALTH_TOPICS = (
    "sot_tre_em", "sot_xuat_huyet", "tieu_chay", "tiem_chung", "tay_chan_mieng", "huyet_ap", "tieu_duong", "mang_thai",
    "vet_thuong_nhe",
)  # fmt: skip


def test_one_file_per_procedure_value_with_every_field() -> None:
    procedures = knowledge.procedures()
    assert set(procedures) == set(PROCEDURES)
    for proc in procedures.values():
        assert proc.name and proc.who and proc.time and proc.fee and proc.where and proc.summary, proc.id
        assert proc.documents and proc.legal, proc.id
        assert proc.online_level in ("toan_trinh", "mot_phan", "chua_co"), proc.id
        if proc.online_level != "chua_co":  # a procedure filed online has its link on a .gov.vn portal
            assert proc.online_url and proc.online_url.startswith("https://dichvucong."), proc.id
            assert proc.online_link in ("page", "search", "portal"), proc.id
        assert proc.basis["online_level"][0].startswith("Điều 11"), proc.id


def test_reference_facts_are_kept() -> None:
    procedures = knowledge.procedures()
    assert "10.000" in procedures["chung_thuc_chu_ky"].fee
    assert "200.000" in procedures["chung_thuc_ban_sao"].fee and "2.000" in procedures["chung_thuc_ban_sao"].fee
    assert "60 ngày" in procedures["khai_sinh"].fee
    assert "15 ngày" in procedures["khai_tu"].deadline and "60 ngày" in procedures["khai_sinh"].deadline
    assert procedures["ket_hon"].fee.startswith("Miễn lệ phí") and "8.000" in procedures["trich_luc_ho_tich"].fee
    assert procedures["khai_sinh"].basis["deadline"] == ("Điều 15 khoản 1 Luật Hộ tịch 2014",)
    assert "Công an xã" in procedures["cu_tru"].where
    assert any("20/2021" in item for item in procedures["tro_cap_xa_hoi"].legal)
    assert any("07/2025/NĐ-CP" in item for item in procedures["khai_sinh"].legal)  # amends NĐ 123/2015


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("làm giấy khai sinh cho con", "khai_sinh"),
        ("lam giay khai sinh cho con", "khai_sinh"),
        ("LÀM GIẤY KHAI SINH", "khai_sinh"),
        ("xin giay xac nhan doc than", "xac_nhan_hon_nhan"),
        ("xin giấy xác nhận tình trạng hôn nhân", "xac_nhan_hon_nhan"),
        ("dang ky tam tru o dau", "cu_tru"),
        ("cong chung giay to", "chung_thuc_ban_sao"),
        ("cham dut giam ho cho chau", "cham_dut_giam_ho"),
        ("muốn thay đổi người giám hộ cho em trai", "thay_doi_giam_ho"),
        ("bị mất giấy khai sinh muốn xin cấp lại giấy khai sinh", "trich_luc_ho_tich"),
        ("con tôi 5 tuổi rồi, đăng ký khai sinh muộn được không", "khai_sinh_qua_han"),
        ("con tôi mới sinh chưa làm giấy khai sinh", "khai_sinh"),
        ("sửa tên trong giấy khai sinh", "cai_chinh_ho_tich"),
        ("bà tôi 76 tuổi không có lương hưu thì có trợ cấp gì", "tro_cap_huu_tri_xa_hoi"),
        ("hôm nay trời đẹp", None),
    ],
)
def test_procedure_from_free_text(text: str, expected: str | None) -> None:
    assert knowledge.match_procedure(text) == expected


def test_commune_override_applies_to_named_fields_only() -> None:
    commune = {"settings": {"procedures": {"ket_hon": {"fee": "Miễn lệ phí (Nghị quyết HĐND tỉnh Demo)", "x": 1}}}}
    overrides = knowledge.commune_overrides(commune, "ket_hon")
    proc = knowledge.procedure_for("ket_hon", overrides)
    assert proc is not None and proc.fee == "Miễn lệ phí (Nghị quyết HĐND tỉnh Demo)"
    # a local value is not backed by the national article any more: it cites the commune's own basis
    assert (
        proc.basis["fee"] == (knowledge.LOCAL_BASIS,)
        and proc.basis["time"] == knowledge.procedures()["ket_hon"].basis["time"]
    )
    commune["settings"]["procedures"]["ket_hon"]["fee_basis"] = ["Nghị quyết 12/2025/NQ-HĐND tỉnh Demo"]
    proc = knowledge.procedure_for("ket_hon", knowledge.commune_overrides(commune, "ket_hon"))
    assert proc is not None and proc.basis["fee"] == ("Nghị quyết 12/2025/NQ-HĐND tỉnh Demo",)
    assert proc.documents == knowledge.procedures()["ket_hon"].documents
    # The flat shape of the Commune model's comment works too; garbage is ignored.
    assert knowledge.commune_overrides({"settings": {"ket_hon": {"fee": "A"}}}, "ket_hon") == {"fee": "A"}
    assert knowledge.commune_overrides({"settings": "nonsense"}, "ket_hon") == {}
    assert knowledge.procedure_for("ket_hon", {"documents": "not a list"}) == knowledge.procedures()["ket_hon"]


def test_health_topics_each_with_guidance_and_warning() -> None:
    topics = knowledge.health_topics()
    assert set(topics) == set(HEALTH_TOPICS)
    for topic in topics.values():
        assert topic.guidance and topic.warning and topic.keywords, topic.id
    assert knowledge.health_common()["disclaimer"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bé nhà tôi bị sốt 39 độ", "sot_tre_em"),
        ("be nha toi bi sot", "sot_tre_em"),
        ("sot xuat huyet thi kieng gi", "sot_xuat_huyet"),
        ("con bị tiêu chảy pha oresol thế nào", "tieu_chay"),
        ("lich tiem chung cho tre", "tiem_chung"),
        ("bệnh tay chân miệng lây không", "tay_chan_mieng"),
        ("bi cao huyet ap nen an gi", "huyet_ap"),
        ("tiểu đường nên ăn gì", "tieu_duong"),
        ("mang thai may thang thi kham", "mang_thai"),
    ],
)
def test_health_topic_from_text(text: str, expected: str) -> None:
    topic = knowledge.match_health_topic(text)
    assert topic is not None and topic.id == expected


def test_emergency_knowledge_is_one_cited_text_per_situation() -> None:
    guide = load_emergency()
    assert "cap_cuu" not in knowledge.health_topics()  # emergencies are not a guidance topic
    for situation in guide.situations.values():
        assert "115" in situation.text and situation.source and len(situation.message()) < 600
