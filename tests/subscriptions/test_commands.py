"""What a citizen's message asks of their subscription: the commands with and without diacritics, hamlet answers,
and ordinary questions that must go on to the bot untouched."""

from __future__ import annotations

import pytest

from api.subscriptions.commands import parse_command
from api.subscriptions.hamlets import Hamlet, configured, parse_hamlet
from api.subscriptions.topics import EMERGENCY, TOPICS, clean_topics

LISTED = configured({"hamlets": ["Ấp 1", "Ấp 2", "Ấp 3", "Thôn Đông", "Khu phố 4"]})


@pytest.mark.parametrize(
    "text",
    [
        "hủy nhận tin",
        "Hủy nhận tin!",
        "HUY NHAN TIN",
        "huy nhan tin",
        "cho tôi hủy nhận tin nhé",
        "Ngừng nhận thông báo",
        "dung gui tin nua",
        "tắt thông báo",
        "STOP",
        "/stop",
        "không muốn nhận tin nữa",
    ],
)
def test_one_message_unsubscribes_however_it_is_typed(text: str) -> None:
    command = parse_command(text)
    assert command is not None and command.action == "unsubscribe"


@pytest.mark.parametrize(
    ("text", "action", "argument", "topic"),
    [
        ("đổi ấp", "change_hamlet", "ấp", None),
        ("doi ap 4", "change_hamlet", "ap 4", None),
        ("Đổi thôn Đông", "change_hamlet", "thôn Đông", None),
        ("đăng ký nhận tin", "subscribe", "", None),
        ("dang ky nhan thong bao", "subscribe", "", None),
        ("cho tôi đăng ký nhận thông báo của ấp với", "subscribe", "", None),  # issue 29: in their own words
        ("em muốn đăng ký nhận tin của xã ạ", "subscribe", "", None),
        ("tôi muốn nhận thông báo của xã", "subscribe", "", None),
        ("dk nhan tin ap 3 giup minh", "subscribe", "", None),
        ("chủ đề", "topics", "", None),
        ("thêm chủ đề y tế", "topic_add", "y tế", "y_te"),
        ("bo chu de nong nghiep", "topic_remove", "nong nghiep", "nong_nghiep"),
        ("thêm chủ đề xổ số", "topics", "", None),  # an unknown topic: the list is shown
    ],
)
def test_commands(text: str, action: str, argument: str, topic: str | None) -> None:
    command = parse_command(text)
    assert command is not None
    assert (command.action, command.argument, command.topic) == (action, argument, topic)


@pytest.mark.parametrize(
    "text",
    [
        "tôi không nhắn tin được cho cán bộ",
        "đăng ký khai sinh cần giấy tờ gì",
        "chủ đề họp dân hôm nay là gì",
        "xin chào",
        "nhận tin",  # too vague: the bot asks what they mean
        "đăng ký nhận thông báo có mất phí không",  # a question about it: the bot answers and offers the button
        "làm sao để đăng ký nhận tin",
        "Hôm qua tôi đã gửi phản ánh về đèn đường ở ấp 3 nhưng chưa thấy ai trả lời, nhờ xã kiểm tra giúp tôi với",
    ],
)
def test_ordinary_messages_are_not_commands(text: str) -> None:
    assert parse_command(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ấp 3", "Ấp 3"),
        ("ap 3", "Ấp 3"),
        ("Ấp ba", "Ấp 3"),
        ("tôi ở ấp 3 ạ", "Ấp 3"),
        ("3", "Ấp 3"),
        ("thon dong", "Thôn Đông"),
        ("nhà ở Thôn Đông", "Thôn Đông"),
        ("kp 4", None),  # "kp 4" folds to another keyword than the listed "khu pho 4"
        ("khu pho 4", "Khu phố 4"),
        ("ấp 9", None),  # not one of the commune's hamlets
        ("xin chào", None),
    ],
)
def test_hamlet_answers_against_the_communes_list(text: str, expected: str | None) -> None:
    found = parse_hamlet(text, LISTED, bare_number=True)
    assert (found.name if found else None) == expected


def test_without_a_list_any_named_hamlet_is_taken_and_keys_ignore_marks() -> None:
    assert parse_hamlet("ấp Bình Hòa", []) == Hamlet("Ấp Bình Hòa", "ap binh hoa")
    assert parse_hamlet("ap binh hoa", []) == Hamlet("Ấp Binh Hoa", "ap binh hoa")
    assert parse_hamlet("xóm 2", []) == Hamlet("Xóm 2", "xom 2")
    assert parse_hamlet("3", []) is None  # a bare number only right after the question
    assert parse_hamlet("3", [], bare_number=True) == Hamlet("Ấp 3", "ap 3")


def test_the_emergency_topic_stays_while_subscribed() -> None:
    assert EMERGENCY in clean_topics(["y_te"])
    assert clean_topics(None) == list(TOPICS)  # a new subscriber receives everything
    assert clean_topics([]) == [EMERGENCY]
    assert clean_topics(["khong_co", "y_te"]) == ["y_te", EMERGENCY]
