"""Who answers by the conversation's state: ratings only when they are ratings, the comment that follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.conversations.decision import Answer, Decision, Inbound
from api.conversations.decision import decide as decide_one
from api.conversations.messages import is_back_to_bot, is_comment, parse_rating
from api.conversations.models import State
from api.conversations.service import Snapshot
from api.conversations.states import (
    ACK_REPEAT,
    COMMENT_WINDOW,
    parse_rating_payload,
    rating_payload,
    should_acknowledge,
)
from channels.base import InboundMessage

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4", (4, None)), (" 5 ", (5, None)), ("4 sao", (4, None)), ("4 Sao", (4, None)), ("4/5", (4, None)),
        ("4 / 5", (4, None)), ("⭐⭐⭐⭐", (4, None)), ("⭐️⭐️⭐️", (3, None)), ("5 ⭐", (5, None)),
        ("2 điểm", (2, None)), ("1 sao", (1, None)), ("3/5 chờ hơi lâu", (3, "chờ hơi lâu")),
        ("4 sao, cán bộ nhiệt tình", (4, "cán bộ nhiệt tình")),
    ],
)  # fmt: skip
def test_what_is_a_rating(text: str, expected: tuple[int, str | None]) -> None:
    assert parse_rating(text) == expected


@pytest.mark.parametrize(
    "text",
    ["1 người bị tai nạn bất tỉnh ở ấp 3, làm sao bây giờ", "2 con tôi bị sốt", "3 giờ chiều nay tôi lên xã được không",
     "5 năm rồi đường chưa sửa", "12", "0", "6", "4 con gà", "1. Thủ tục khai sinh", "", "sao rồi"],
)  # fmt: skip
def test_what_is_not_a_rating(text: str) -> None:
    assert parse_rating(text) is None


def test_the_rating_button_names_its_case() -> None:
    assert parse_rating_payload(rating_payload(123, 4)) == (123, 4)
    assert parse_rating_payload('/rating{"case_id":1,"stars":9}') is None
    assert parse_rating_payload("/rating{oops") is None


@pytest.mark.parametrize(
    "text", ["quay lại trợ lý ảo", "Quay lai tro ly ao", "QUAY LẠI TRỢ LÝ ẢO nhé", "cho tôi quay lại chatbot"]
)
def test_back_to_the_bot_in_any_spelling(text: str) -> None:
    assert is_back_to_bot(text)


def test_a_question_after_a_rating_is_not_its_comment() -> None:
    assert is_comment("cán bộ làm việc nhanh, rất hài lòng")
    for text in ("cho hỏi làm giấy khai sinh cần gì", "đường ấp 2 bị ngập?", "xin chào", "/greet", "5 sao"):
        assert not is_comment(text), text


def row(
    state: State, *, case_id: int | None = None, staff_case_id: int | None = None, since: datetime = NOW
) -> Snapshot:
    return Snapshot(1, "web:xa-demo:abcdefgh", 1, 1, state, case_id, staff_case_id, since, None, None)


def say(text: str, kind: str = "text") -> InboundMessage:
    return InboundMessage(event_id="e1", conversation_id="web:xa-demo:abcdefgh", user_id="u", kind=kind, text=text)


def decide(row: Snapshot | None, message: InboundMessage, now: datetime) -> Decision:
    """The one decision with nothing above the conversation's state in play (tests/api/conversations/test_decision.py
    covers the rest of the table)."""
    return decide_one(Inbound(message, now, row=row))


def test_decide_in_every_state() -> None:
    assert decide(None, say("xin chào"), NOW).answer is Answer.rasa
    assert decide(row(State.bot), say("4"), NOW).answer is Answer.rasa  # no prompt pending: a digit is a message
    assert decide(row(State.bot), say(rating_payload(7, 5), "button"), NOW).case_id == 7  # a tapped star counts
    staff = row(State.staff, case_id=3, staff_case_id=3)
    assert decide(staff, say("nhờ cán bộ xem giúp"), NOW).answer is Answer.staff
    assert decide(staff, say("quay lai tro ly ao"), NOW).answer is Answer.back_to_bot
    assert decide(staff, say("", "unfollow"), NOW).answer is Answer.ignore


def test_a_pending_rating_wins_over_an_open_handoff() -> None:
    both = row(State.awaiting_rating, case_id=9, staff_case_id=3)
    decision = decide(both, say("4 sao"), NOW)
    assert (decision.answer, decision.case_id, decision.stars) == (Answer.rating, 9, 4)
    other = decide(both, say("1 người bị tai nạn bất tỉnh ở ấp 3, làm sao bây giờ"), NOW)
    assert (other.answer, other.leave_to) == (Answer.staff, State.staff)  # not a rating: the handoff beneath answers
    alone = decide(row(State.awaiting_rating, case_id=9), say("1 người bị tai nạn bất tỉnh ở ấp 3"), NOW)
    assert (alone.answer, alone.leave_to) == (Answer.rasa, State.bot)


def test_the_comment_after_a_rating() -> None:
    waiting = row(State.awaiting_comment, case_id=9)
    comment = decide(waiting, say("cán bộ nhiệt tình"), NOW)
    assert (comment.answer, comment.comment, comment.leave_to) == (Answer.comment, "cán bộ nhiệt tình", State.bot)
    assert decide(waiting, say("Bỏ qua", "button"), NOW).answer is Answer.skip_comment
    question = decide(waiting, say("cho hỏi thủ tục khai sinh?"), NOW)
    assert (question.answer, question.leave_to) == (Answer.rasa, State.bot)
    late = decide(row(State.awaiting_comment, case_id=9, since=NOW - COMMENT_WINDOW * 2), say("ok"), NOW)
    assert (late.answer, late.leave_to) == (Answer.rasa, State.bot)
    with_handoff = decide(row(State.awaiting_comment, case_id=9, staff_case_id=3), say("Bỏ qua"), NOW)
    assert with_handoff.leave_to is State.staff


def test_expired_rating_prompt_is_gone() -> None:
    old = row(State.awaiting_rating, case_id=9, since=NOW - timedelta(days=8))
    decision = decide(old, say("4"), NOW)
    assert (decision.answer, decision.leave_to) == (Answer.rasa, State.bot)


def test_acknowledged_once_then_again_only_after_a_long_staff_silence() -> None:
    fresh = row(State.staff, case_id=3, staff_case_id=3, since=NOW - timedelta(minutes=5))
    assert should_acknowledge(fresh, NOW)
    acked = Snapshot(1, "k", 1, 1, State.staff, 3, 3, NOW - timedelta(minutes=5), NOW - timedelta(minutes=1), None)
    assert not should_acknowledge(acked, NOW)
    assert should_acknowledge(acked, NOW + ACK_REPEAT)
    answered = Snapshot(1, "k", 1, 1, State.staff, 3, 3, NOW - timedelta(minutes=5), NOW - timedelta(minutes=1), NOW)
    assert not should_acknowledge(answered, NOW + ACK_REPEAT)
