"""action_answer_procedure: the aspect asked, a summary with buttons otherwise, and "which procedure?" when unclear."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import procedures
from actions.procedures import ActionAnswerProcedure, answer_text, detect_aspect
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
    assert "Giấy chứng sinh" in message["text"] and "Luật Hộ tịch 2014" in message["text"]
    assert [b["title"] for b in message["buttons"]] == ["Lệ phí", "Thời gian", "Nơi nộp", "Nộp trực tuyến"]
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


@pytest.mark.parametrize("aspect", [None, "documents", "fee", "time", "where", "online", "who", "legal"])
def test_every_answer_is_short(aspect: str | None) -> None:
    commune = {"name": "UBND xã Hòa Bình", "address": "Số 1 đường Trung tâm", "office_hours": "7h–17h"}
    for proc in procedures().values():
        assert len(answer_text(proc, aspect, commune)) < 600, (proc.id, aspect)


def test_aspect_from_words_when_the_entity_is_missing() -> None:
    assert detect_aspect(make_tracker("nop o dau vay")) == "where"
    assert detect_aspect(make_tracker("có làm online được không")) == "online"
    assert detect_aspect(make_tracker("gia đình tôi muốn hỏi")) is None


async def test_a_health_question_taken_for_a_procedure_gets_health_guidance() -> None:
    dispatcher, slots = await ask("bé nhà tôi bị sốt cao thì phải làm sao")
    assert texts(dispatcher)[0].startswith("Dạ, về sốt ở trẻ em:")
    assert slots == {"health_question_text": "bé nhà tôi bị sốt cao thì phải làm sao"}
