"""The one decision of who answers an inbound message (api/conversations/decision.py), as a table: each row beats
every row below it, in every conversation state. The state rows alone are in test_states.py."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from api.conversations.decision import Answer, Inbound, Safety, decide
from api.conversations.models import State
from api.conversations.service import Snapshot
from api.conversations.states import COMMENT_WINDOW, rating_payload
from channels.base import InboundMessage

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
KEY = "zalo:xa-demo:12345678"


def row(
    state: State, *, case_id: int | None = None, staff_case_id: int | None = None, age: timedelta = timedelta()
) -> Snapshot:
    return Snapshot(1, KEY, 1, 1, state, case_id, staff_case_id, NOW - age, None, None)


# Every state a message can meet, the expired prompts and "no row yet" included.
ROWS = {
    "no row": None,
    "bot": row(State.bot),
    "staff": row(State.staff, case_id=3, staff_case_id=3),
    "rating": row(State.awaiting_rating, case_id=9),
    "rating over a handoff": row(State.awaiting_rating, case_id=9, staff_case_id=3),
    "comment": row(State.awaiting_comment, case_id=9),
    "comment over a handoff": row(State.awaiting_comment, case_id=9, staff_case_id=3),
    "expired rating": row(State.awaiting_rating, case_id=9, age=timedelta(days=8)),
    "expired comment": row(State.awaiting_comment, case_id=9, age=COMMENT_WINDOW * 2),
}


def say(text: str, kind: str = "text") -> InboundMessage:
    return InboundMessage(event_id="e1", conversation_id=KEY, user_id="u", kind=kind, text=text)


def inbound(message: InboundMessage | None = None, row: Snapshot | None = None, **inputs: object) -> Inbound:
    return Inbound(message or say("4"), NOW, row=row, **inputs)  # type: ignore[arg-type]


EVERYTHING = {"safety": Safety.alarm, "data_request": True, "appointment": True, "subscription": True}
# The table, top row first: the inputs that make each row answer (a star button, "4" under a rating prompt, "quay lại
# trợ lý ảo" under a handoff are the state rows' own: test_states.py).
ROWS_OF_THE_TABLE = [
    ({"more": (41, 4)}, Answer.page),
    ({"safety": Safety.alarm}, Answer.emergency),
    ({"safety": Safety.guidance}, Answer.safety_guidance),
    ({"data_request": True}, Answer.data_request),
    ({"appointment": True}, Answer.appointment),
    ({"subscription": True}, Answer.subscription),
]


@pytest.mark.parametrize("state", ROWS)
def test_an_emergency_beats_everything_in_every_state(state: str) -> None:
    messages = [say("4"), say(rating_payload(9, 5), "button"), say("quay lại trợ lý ảo"), say("Bỏ qua", "button")]
    for message in messages:
        assert decide(inbound(message, ROWS[state], **EVERYTHING)).answer is Answer.emergency, (state, message.text)


@pytest.mark.parametrize(("position", "expected"), list(enumerate(answer for _, answer in ROWS_OF_THE_TABLE)))
@pytest.mark.parametrize("state", ROWS)
def test_each_row_beats_the_rows_below_it(position: int, expected: Answer, state: str) -> None:
    inputs: dict[str, object] = {}
    for below, _ in ROWS_OF_THE_TABLE[position + 1 :]:
        inputs.update(below)  # every lower row's inputs (the guidance overrides the alarm's: it is above it)
    inputs.update(ROWS_OF_THE_TABLE[position][0])  # and this row's; none of the rows above
    for message in (say("4"), say(rating_payload(9, 5), "button"), say("", "unfollow"), say("", "contact")):
        assert decide(inbound(message, ROWS[state], **inputs)).answer is expected, (state, message.kind)


def test_a_page_tap_carries_its_page() -> None:
    decision = decide(inbound(say("xaso:more:41:4", "button"), more=(41, 4)))
    assert (decision.answer, decision.more) == (Answer.page, (41, 4))


@pytest.mark.parametrize("state", ROWS)
def test_the_subscription_is_honoured_in_every_state(state: str) -> None:
    """ "hủy nhận tin" under a handoff or a rating prompt still stops the announcements."""
    assert decide(inbound(say("hủy nhận tin"), ROWS[state], subscription=True)).answer is Answer.subscription


def test_a_declined_feature_hands_the_message_to_the_next_row() -> None:
    everything = inbound(say("", "unfollow"), ROWS["staff"], data_request=True, appointment=True, subscription=True)
    decisions = [decide(everything).answer]
    while decisions[-1] in (Answer.data_request, Answer.appointment, Answer.subscription):
        everything = everything.declined(decisions[-1])
        decisions.append(decide(everything).answer)
    assert decisions == [Answer.data_request, Answer.appointment, Answer.subscription, Answer.ignore]
    not_about_the_appointment = inbound(say("4"), ROWS["rating"], appointment=True).declined(Answer.appointment)
    decision = decide(not_about_the_appointment)
    assert (decision.answer, decision.case_id, decision.stars) == (Answer.rating, 9, 4)  # the pending prompt's


@pytest.mark.parametrize("answer", [Answer.emergency, Answer.page, Answer.rasa, Answer.staff, Answer.rating])
def test_only_the_features_that_look_closer_decline(answer: Answer) -> None:
    with pytest.raises(ValueError, match="does not decline"):
        inbound().declined(answer)


@pytest.mark.parametrize("state", ROWS)
def test_without_a_feature_the_state_answers(state: str) -> None:
    """Unfollow, contact details and a tapped star button count in every state; the rest is the state's."""
    quiet = {"safety": Safety.none, "data_request": False, "appointment": False, "subscription": False}
    assert decide(inbound(say("", "unfollow"), ROWS[state], **quiet)).answer is Answer.ignore
    assert decide(inbound(say("", "contact"), ROWS[state], **quiet)).answer is Answer.contact
    tapped = decide(inbound(say(rating_payload(7, 5), "button"), ROWS[state], **quiet))
    assert (tapped.answer, tapped.case_id, tapped.stars) == (Answer.rating, 7, 5)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("no row", (Answer.rasa, None)),
        ("bot", (Answer.rasa, None)),
        ("staff", (Answer.staff, None)),
        ("rating", (Answer.rasa, State.bot)),
        ("rating over a handoff", (Answer.staff, State.staff)),
        ("comment", (Answer.rasa, State.bot)),
        ("comment over a handoff", (Answer.staff, State.staff)),
        ("expired rating", (Answer.rasa, State.bot)),
        ("expired comment", (Answer.rasa, State.bot)),
    ],
)
def test_a_question_goes_where_the_state_says(state: str, expected: tuple[Answer, State | None]) -> None:
    decision = decide(inbound(say("cho hỏi thủ tục khai sinh?"), ROWS[state]))
    assert (decision.answer, decision.leave_to) == expected


def test_the_input_and_the_decision_are_values() -> None:
    one = inbound(say("4"), ROWS["rating"])
    assert decide(one) == decide(dataclasses.replace(one))
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.safety = Safety.alarm  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        decide(one).answer = Answer.rasa  # type: ignore[misc]
