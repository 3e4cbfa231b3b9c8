"""bot/speedups.py changes how fast Rasa does two things, never what it does: same validation errors, same event
classes (compared with Rasa's own code, kept before the patch), and event classes imported later are still found."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core import events
from rasa.shared.core.events import Event, UserUttered

from bot import speedups

ROOT = Path(__file__).resolve().parents[2]
ORIGINAL_VALIDATE = RemoteAction._validate_action_result
ORIGINAL_RESOLVE = Event.resolve_by_type
speedups.apply()

VALID = {
    "events": [{"event": "slot", "name": "report_category", "value": "chieu_sang", "timestamp": None}],
    "responses": [{"text": "Dạ, em đã ghi nhận ạ.", "buttons": []}],
}
INVALID = [
    {"events": "not a list"},
    {"events": [{"no_event_key": 1}]},
    {"responses": [1, 2]},
    [],
]


def _error(validate: Any, result: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate(RemoteAction("action_x", None), result)
    return caught.value


def test_a_valid_answer_passes_both() -> None:
    action = RemoteAction("action_x", None)
    assert ORIGINAL_VALIDATE(action, VALID) is True
    assert RemoteAction._validate_action_result(action, VALID) is True


@pytest.mark.parametrize("result", INVALID)
def test_an_invalid_answer_raises_the_same_error(result: Any) -> None:
    ours, theirs = _error(RemoteAction._validate_action_result, result), _error(ORIGINAL_VALIDATE, result)
    assert ours.message == theirs.message
    assert list(ours.path) == list(theirs.path)
    assert "Failed to validate Action server response" in ours.message


def test_every_event_type_resolves_to_rasas_class() -> None:
    names = {cls.type_name for cls in events.rasa.shared.utils.common.all_subclasses(Event)}
    assert len(names) > 20
    for name in sorted(names):
        assert Event.resolve_by_type(name) is ORIGINAL_RESOLVE(name), name


def test_unknown_names_behave_as_in_rasa() -> None:
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=UserUttered) is UserUttered
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")


def test_an_event_class_defined_later_is_found() -> None:
    class CitizenWaved(Event):
        type_name = "xaso_citizen_waved"

        def __eq__(self, other: Any) -> bool:
            return isinstance(other, CitizenWaved)

        def as_story_string(self) -> str:
            return self.type_name

    assert Event.resolve_by_type("xaso_citizen_waved") is CitizenWaved
    parsed: dict[str, Any] = {"event": "xaso_citizen_waved", "timestamp": 1.0}
    assert isinstance(Event.from_parameters(parsed), CitizenWaved)


def test_the_server_entry_point_is_rasa_with_the_patches() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.server", "--version"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Rasa Version" in result.stdout and "3.6." in result.stdout
