"""action_answer_procedure: the aspect asked, a summary with buttons otherwise, and "which procedure?" when unclear."""

from __future__ import annotations

from datetime import date

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import procedure_for, procedures
from actions.procedures import (
    NOT_ONLINE,
    ActionAnswerProcedure,
    _validity_note,
    answer_text,
    detect_aspect,
    online_line,
)
from tests.actions.conftest import make_tracker, slots_of, texts

pytestmark = pytest.mark.usefixtures("gateway_url")


async def ask(text: str, entities: list | None = None, slots: dict | None = None) -> tuple[CollectingDispatcher, dict]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "ask_procedure", entities=entities, slots=slots)
    events = await ActionAnswerProcedure().run(dispatcher, tracker, {})
    return dispatcher, slots_of(events)


async def test_documents_asked_are_listed_with_legal_basis() -> None:
    dispatcher, slots = await ask(
        "làm giấy khai sinh cần giấy tờ gì",
        [{"entity": "procedure", "value": "khai_sinh"}, {"entity": "aspect", "value": "documents"}],
    )
    (message,) = dispatcher.messages
    assert message["text"].startswith("Dạ, hồ sơ đăng ký khai sinh gồm:")
    assert "Giấy chứng sinh" in message["text"] and "Căn cứ: Điều 16 khoản 1 Luật Hộ tịch 2014" in message["text"]
    assert [b["title"] for b in message["buttons"]] == ["Lệ phí", "Thời gian", "Nơi nộp", "Nộp trực tuyến", "Thời hạn"]
    assert slots == {"procedure": "khai_sinh"}


async def test_accent_free_question_gets_the_same_answer_without_entities() -> None:
    accented, _ = await ask("chứng thực chữ ký hết bao nhiêu tiền")
    plain, _ = await ask("chung thuc chu ky het bao nhieu tien")
    assert texts(accented) == texts(plain)
    assert "10.000 đồng/trường hợp" in texts(plain)[0]


async def test_where_includes_the_communes_address_from_the_gateway() -> None:
    dispatcher, _ = await ask("nộp hồ sơ kết hôn ở đâu", [{"entity": "procedure", "value": "ket_hon"}])
    text = texts(dispatcher)[0]
    assert "UBND xã Hòa Bình: Số 1 đường Trung tâm" in text  # the seeded demo commune
    assert "Giờ làm việc:" in text


async def test_no_aspect_gives_a_summary_and_aspect_buttons() -> None:
    dispatcher, _ = await ask("thủ tục đăng ký kết hôn", [{"entity": "procedure", "value": "ket_hon"}])
    (message,) = dispatcher.messages
    assert "Lệ phí:" in message["text"] and "muốn biết thêm" in message["text"]
    assert len(message["buttons"]) == 5
    assert message["buttons"][0]["payload"] == '/ask_procedure{"procedure":"ket_hon","aspect":"documents"}'


async def test_unclear_procedure_asks_which_with_buttons_keeping_the_aspect() -> None:
    dispatcher, slots = await ask("cho hỏi lệ phí bao nhiêu", [{"entity": "aspect", "value": "fee"}])
    (message,) = dispatcher.messages
    assert "thủ tục nào" in message["text"]
    assert len(message["buttons"]) == 12
    assert '"aspect":"fee"' in message["buttons"][0]["payload"]
    assert slots == {"procedure": None}


async def test_follow_up_reuses_the_procedure_being_discussed() -> None:
    dispatcher, slots = await ask("còn mất bao lâu", [{"entity": "aspect", "value": "time"}], {"procedure": "khai_tu"})
    assert texts(dispatcher)[0].startswith("Dạ, thời gian giải quyết đăng ký khai tử:")
    assert slots == {"procedure": "khai_tu"}


async def test_online_points_to_the_portal() -> None:
    dispatcher, _ = await ask("dang ky tam tru online duoc khong")
    assert "https://dichvucong.bocongan.gov.vn" in texts(dispatcher)[0]


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("dang ky khai sinh cho con trong thoi han bao lau", []),
        ("đăng ký khai sinh trong thời hạn bao lâu", [{"entity": "procedure", "value": "khai_sinh"}]),
        ("khai sinh cho bé chậm nhất mấy ngày", [{"entity": "aspect", "value": "time"}]),
        ("bé sinh được 2 tháng rồi, quá hạn khai sinh chưa ạ", []),
    ],
)
async def test_registration_deadline_is_not_the_processing_time(text: str, entities: list) -> None:
    dispatcher, slots = await ask(text, entities)
    answer = texts(dispatcher)[0]
    assert answer.startswith("Dạ, thời hạn đăng ký khai sinh:") and "60 ngày kể từ ngày sinh" in answer
    assert "Căn cứ: Điều 15 khoản 1 Luật Hộ tịch 2014." in answer and "15 giờ" not in answer
    assert slots == {"procedure": "khai_sinh"}


async def test_processing_time_and_death_deadline() -> None:
    dispatcher, _ = await ask("lam khai sinh mat bao lau thi co", [])
    assert texts(dispatcher)[0].startswith("Dạ, thời gian giải quyết đăng ký khai sinh:")
    dispatcher, _ = await ask("người nhà mất thì thời hạn khai tử là bao lâu", [])
    answer = texts(dispatcher)[0]
    assert "15 ngày" in answer and "Điều 33 khoản 1 Luật Hộ tịch 2014" in answer
    dispatcher, _ = await ask("đăng ký kết hôn có thời hạn không", [{"entity": "procedure", "value": "ket_hon"}])
    assert "chưa có thông tin về thời hạn bắt buộc" in texts(dispatcher)[0]  # no invented deadline


async def test_fees_cite_the_article() -> None:
    dispatcher, _ = await ask("đăng ký kết hôn mất phí không", [{"entity": "procedure", "value": "ket_hon"}])
    answer = texts(dispatcher)[0]
    assert "Miễn lệ phí" in answer and "Căn cứ: Điều 11 khoản 1 điểm b Luật Hộ tịch 2014." in answer
    dispatcher, _ = await ask("xin trích lục khai sinh hết bao nhiêu tiền", [])
    assert "8.000 đồng" in texts(dispatcher)[0] and "Điều 4 Thông tư 281/2016/TT-BTC" in texts(dispatcher)[0]


def test_a_fact_out_of_force_is_shown_with_a_warning() -> None:
    proc = procedures()["khai_sinh"]
    assert _validity_note(proc, ["deadline"], date(2026, 11, 28)) == ""
    assert "có thể đã thay đổi" in _validity_note(proc, ["deadline"], date(2027, 3, 1))


@pytest.mark.parametrize("aspect", [None, "documents", "fee", "time", "deadline", "where", "online", "who", "legal"])
@pytest.mark.parametrize("day", [date(2026, 8, 14), date(2026, 8, 15), date(2026, 12, 6), date(2027, 2, 14)])
def test_every_answer_is_short(aspect: str | None, day: date) -> None:
    commune = {"name": "UBND xã Hòa Bình", "address": "Số 1 đường Trung tâm", "office_hours": "7h–17h"}
    for proc in procedures(day).values():
        answer, line = answer_text(proc, aspect, commune), online_line(proc)
        assert len(answer.replace(line, "")) < 600, (proc.id, aspect)  # the filing line comes on top, short
        assert len(line) < 160, proc.id


def test_aspect_from_words_when_the_entity_is_missing() -> None:
    assert detect_aspect(make_tracker("nop o dau vay")) == "where"
    assert detect_aspect(make_tracker("có làm online được không")) == "online"
    assert detect_aspect(make_tracker("gia đình tôi muốn hỏi")) is None


async def test_a_health_question_taken_for_a_procedure_gets_health_guidance() -> None:
    dispatcher, slots = await ask("bé nhà tôi bị sốt cao thì phải làm sao")
    assert texts(dispatcher)[0].startswith("Dạ, về sốt ở trẻ em:")
    assert slots == {"health_question_text": "bé nhà tôi bị sốt cao thì phải làm sao"}


# --- dated facts: the fee answer on each side of Thông tư 117/2026/TT-BTC's waiver (the clock frozen by XASO_TODAY) --
@pytest.mark.parametrize(
    ("today", "expected", "absent"),
    [
        ("2026-08-14", ["8.000 đồng", "Từ ngày 15/08/2026: Miễn phí"], ["Thông tư 117/2026"]),
        ("2026-08-15", ["Miễn phí cho công dân dùng tài khoản định danh điện tử mức độ 2",
                        "Áp dụng đến hết ngày 28/02/2027", "Từ ngày 01/03/2027: 8.000 đồng",
                        "Căn cứ: Thông tư 117/2026/TT-BTC"], []),
        ("2027-03-01", ["8.000 đồng", "Căn cứ: Điều 4 Thông tư 281/2016/TT-BTC."], ["Miễn phí", "VNeID"]),
    ],
)  # fmt: skip
async def test_extract_fee_before_during_and_after_the_waiver(
    monkeypatch: pytest.MonkeyPatch, today: str, expected: list[str], absent: list[str]
) -> None:
    monkeypatch.setenv("XASO_TODAY", today)
    dispatcher, _ = await ask("xin trích lục khai sinh hết bao nhiêu tiền")
    answer = texts(dispatcher)[0]
    assert answer.startswith("Dạ, lệ phí cấp bản sao trích lục hộ tịch:")
    for part in expected:
        assert part in answer, (today, part, answer)
    for part in absent:
        assert part not in answer, (today, part, answer)


async def test_residence_fee_states_counter_and_online_and_the_waiver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XASO_TODAY", "2026-12-06")
    dispatcher, _ = await ask("đăng ký tạm trú mất phí bao nhiêu", [{"entity": "procedure", "value": "cu_tru"}])
    answer = texts(dispatcher)[0]
    assert "Miễn cho công dân dùng tài khoản định danh điện tử mức độ 2 (VNeID)" in answer
    assert "tạm trú, gia hạn tạm trú 15.000 đồng (trực tuyến 7.000 đồng)" in answer
    assert "Từ ngày 01/03/2027:" in answer and "Thông tư 75/2022/TT-BTC" in answer


def test_a_fact_past_its_review_date_says_it_may_have_changed_and_where_to_check() -> None:
    fresh = procedure_for("cu_tru", today=date(2027, 3, 2))
    stale = procedure_for("cu_tru", today=date(2027, 12, 7))  # the fee version from 01/03/2027, reviewed 06/12/2026
    assert fresh is not None and stale is not None
    assert "có thể đã thay đổi" not in answer_text(fresh, "fee")
    answer = answer_text(stale, "fee")
    assert "rà soát lần cuối ngày 06/12/2026 nên có thể đã thay đổi" in answer
    assert "dichvucong.bocongan.gov.vn" in answer and "Công an xã" in answer  # where to check, for this procedure
    birth = procedure_for("khai_sinh", today=date(2027, 1, 10))
    # within its review period: no warning (the filing link on the last line is not one)
    assert birth is not None and "có thể đã thay đổi" not in answer_text(birth, "time")


# --- sub-procedures answer as themselves, even when the NLU names the parent ------------------------------------------
@pytest.mark.parametrize(
    ("text", "entity", "expected", "starts"),
    [
        ("chấm dứt giám hộ cho cháu thì mất bao lâu", "giam_ho", "cham_dut_giam_ho",
         "Dạ, thời gian giải quyết đăng ký chấm dứt giám hộ: 02 ngày làm việc"),
        ("muốn thay đổi người giám hộ thì cần giấy tờ gì", "giam_ho", "thay_doi_giam_ho",
         "Dạ, hồ sơ đăng ký thay đổi người giám hộ gồm:"),
        ("mất giấy khai sinh, xin cấp lại giấy khai sinh hết bao nhiêu tiền", "khai_sinh", "trich_luc_ho_tich",
         "Dạ, lệ phí cấp bản sao trích lục hộ tịch:"),
        ("khai sinh quá hạn thì có tốn tiền không", "khai_sinh", "khai_sinh_qua_han",
         "Dạ, thời hạn đăng ký khai sinh quá hạn: Thời hạn đăng ký khai sinh là 60 ngày"),
        ("con 5 tuổi rồi đăng ký khai sinh muộn được không", "khai_sinh", "khai_sinh_qua_han",
         "Dạ, Quá 60 ngày kể từ ngày sinh vẫn đăng ký khai sinh được"),
        ("sửa tên trong giấy khai sinh nộp ở đâu", "khai_sinh", "cai_chinh_ho_tich",
         "Dạ, thay đổi, cải chính, bổ sung thông tin hộ tịch nộp tại:"),
        ("bà tôi 76 tuổi không có lương hưu, trợ cấp hưu trí xã hội ai được hưởng", "tro_cap_xa_hoi",
         "tro_cap_huu_tri_xa_hoi", "Dạ, người nộp hồ sơ trợ cấp hưu trí xã hội: Công dân Việt Nam từ đủ 75 tuổi"),
    ],
)  # fmt: skip
async def test_sub_procedures_answer_as_themselves(text: str, entity: str, expected: str, starts: str) -> None:
    # the procedure entities are what the trained model (models/xaso.tar.gz of 06/12/2026) returns for these
    # sentences: the parent; the aspect is left to the action's own words, as when the model finds none
    dispatcher, slots = await ask(text, [{"entity": "procedure", "value": entity}])
    assert texts(dispatcher)[0].startswith(starts), texts(dispatcher)[0]
    assert slots == {"procedure": expected}


async def test_the_parent_still_answers_for_itself() -> None:
    dispatcher, slots = await ask(
        "đăng ký giám hộ cho cháu mồ côi cần gì", [{"entity": "procedure", "value": "giam_ho"}]
    )
    assert texts(dispatcher)[0].startswith("Dạ, hồ sơ đăng ký giám hộ gồm:") and slots == {"procedure": "giam_ho"}
    dispatcher, slots = await ask("bé sinh được 2 tháng rồi, quá hạn khai sinh chưa ạ", [])
    assert texts(dispatcher)[0].startswith("Dạ, thời hạn đăng ký khai sinh:") and slots == {"procedure": "khai_sinh"}


async def test_birth_documents_no_longer_ask_for_the_parents_marriage_certificate() -> None:
    entities = [{"entity": "procedure", "value": "khai_sinh"}, {"entity": "aspect", "value": "documents"}]
    dispatcher, _ = await ask("làm giấy khai sinh cần giấy tờ gì", entities)
    answer = texts(dispatcher)[0]
    assert "Không cần mang Giấy chứng nhận kết hôn của cha mẹ" in answer
    assert "Giấy chứng nhận kết hôn của cha mẹ (nếu có) để xuất trình" not in answer
    assert "Điều 2 Nghị định 07/2025/NĐ-CP" in answer


# --- every answer ends with the online level and the filing link (Điều 11 Nghị định 42/2022/NĐ-CP) -------------------
ASKED = [None, "documents", "fee", "time", "deadline", "where", "who", "legal"]


@pytest.mark.parametrize("aspect", ASKED)
def test_every_procedure_answer_ends_with_the_level_and_the_filing_link(aspect: str | None) -> None:
    for proc in procedures().values():
        answer = answer_text(proc, aspect)
        if proc.online_level == "chua_co":
            assert "Nộp trực tuyến" not in answer, (proc.id, aspect)  # no line: the counter is the answer
            continue
        last = answer.splitlines()[-1]
        label = {"toan_trinh": "toàn trình", "mot_phan": "một phần"}[proc.online_level]
        assert last == f"Nộp trực tuyến ({label}): {proc.online_url}", (proc.id, aspect, last)
        assert proc.online_url and proc.online_url.startswith("https://"), proc.id


async def test_the_filing_line_ends_a_live_answer_and_is_not_repeated_when_online_is_asked() -> None:
    dispatcher, _ = await ask("làm giấy khai sinh cần giấy tờ gì", [{"entity": "procedure", "value": "khai_sinh"}])
    answer = texts(dispatcher)[0]
    assert answer.splitlines()[-1] == (
        "Nộp trực tuyến (toàn trình): https://dichvucong.gov.vn/p/home/dvc-tim-kiem-thu-tuc.html"
        "?key=%C4%90%C4%83ng+k%C3%BD+khai+sinh"
    )
    dispatcher, _ = await ask("đăng ký kết hôn online được không", [{"entity": "procedure", "value": "ket_hon"}])
    answer = texts(dispatcher)[0]
    assert answer.count("Nộp trực tuyến (một phần):") == 1 and "trang tìm thủ tục này trên Cổng" in answer
    assert "vẫn có bước phải làm trực tiếp" in answer
    assert "Điều 11 khoản 2 Nghị định 42/2022/NĐ-CP" in answer.splitlines()[-1]  # the level's basis is cited


async def test_a_procedure_without_online_service_says_so_and_gets_no_link() -> None:
    proc = procedures()["chung_thuc_chu_ky"]
    assert proc.online_level == "chua_co" and proc.online_url is None and online_line(proc) == ""
    dispatcher, _ = await ask("chứng thực chữ ký làm online được không")
    answer = texts(dispatcher)[0]
    assert answer.startswith(NOT_ONLINE) and "http" not in answer
    dispatcher, _ = await ask("chứng thực chữ ký hết bao nhiêu tiền")
    assert "Nộp trực tuyến" not in texts(dispatcher)[0]


def test_a_communes_own_filing_link_and_level_replace_the_national_ones() -> None:
    own = "https://dichvucong.demo.gov.vn/thu-tuc/khai-sinh"
    proc = procedure_for("khai_sinh", {"online": {"url": own}})
    assert proc is not None and proc.online_url == own and proc.online_link == ""
    assert answer_text(proc, "fee").splitlines()[-1] == f"Nộp trực tuyến (toàn trình): {own}"
    assert "trang tìm thủ tục" not in answer_text(proc, "online")  # the commune's link is not a search page
    proc = procedure_for(
        "ket_hon", {"online": {"url": own, "level": "toan_trinh", "level_basis": ["Quyết định 1/QĐ-UBND tỉnh Demo"]}}
    )
    assert proc is not None and answer_text(proc, "time").endswith(f"Nộp trực tuyến (toàn trình): {own}")
    assert "Quyết định 1/QĐ-UBND tỉnh Demo" in answer_text(proc, "online")
    ignored = procedure_for("ket_hon", {"online": {"url": "javascript:alert(1)", "level": "xịn"}})
    assert ignored is not None and ignored.online_url == procedures()["ket_hon"].online_url
    assert ignored.online_level == "mot_phan"
