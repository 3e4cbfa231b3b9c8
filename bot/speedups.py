"""Two Rasa 3.6 hot spots, removed without changing what Rasa does (measured in docs/conversations.md).

1. Rasa checks every custom action's answer with ``jsonschema.validate``, and that call first checks the fixed
   response schema against the JSON Schema meta-schema again, every time. In a profile of scripted citizen
   conversations this took 29% of the Rasa server's CPU. Here the schema is checked once and one validator is
   kept; each answer is still validated, and a bad answer raises the same ``ValidationError`` as before.
2. Rasa turns every stored event back into its class (``Event.resolve_by_type``) by listing all ``Event``
   subclasses again, once per event, on every turn. Here a table maps type names to classes. It is rebuilt when
   a name is missing, so event classes imported later are still found. Unknown names go to Rasa's own code.

``apply()`` runs once, in the Rasa server process only (``python -m bot.server``, started by
``scripts/start-rasa.sh``). Training and ``rasa test`` use stock Rasa.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Optional, Text, Type

_applied = False


@functools.lru_cache(maxsize=1)
def _response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the validator built once (same errors, same message)."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def _event_types() -> Dict[Text, Type[Any]]:
    import rasa.shared.utils.common
    from rasa.shared.core.events import Event

    table: Dict[Text, Type[Any]] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        table.setdefault(cls.type_name, cls)  # the first match wins, as in Rasa's own loop
    return table


def _make_resolve_by_type(original: Any) -> Any:
    table: Dict[Text, Type[Any]] = {}

    def resolve_by_type(type_name: Text, default: Optional[Type[Any]] = None) -> Optional[Type[Any]]:
        cls = table.get(type_name)
        if cls is None:
            table.clear()
            table.update(_event_types())
            cls = table.get(type_name)
        if cls is not None:
            return cls
        return original(type_name, default)  # old "topic" events, the default, or Rasa's error

    return resolve_by_type


def apply() -> None:
    """Install both fixes (idempotent)."""
    global _applied
    if _applied:
        return
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(_make_resolve_by_type(Event.resolve_by_type))  # type: ignore[method-assign]
    _applied = True
