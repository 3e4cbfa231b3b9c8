"""The Rasa server's perimeter (docs/security.md): its token on every route, and never on the command line.

- The token comes from ``XASO_RASA_TOKEN`` in the environment and is handed to Rasa inside this process (appended to
  ``sys.argv`` in memory; ``/proc/<pid>/cmdline``, which ``ps`` shows to every local user, keeps the original).
- ``--auth-token`` only guards Rasa's HTTP API; its REST channel (``/webhooks/rest/webhook``) would answer any
  conversation for anyone. A Sanic request middleware asks for the same token (``?token=`` or
  ``Authorization: Bearer``) on every route except ``/`` (a plain greeting), so a caller without it gets 401.

``apply()`` runs in the Rasa server process only (``python -m bot.server run``).
"""

from __future__ import annotations

import hmac
import os
import sys
from typing import Any, List, Optional, Text

OPEN_PATHS = frozenset({"/"})


def token_ok(expected: Text, presented: Optional[Text]) -> bool:
    return bool(expected) and presented is not None and hmac.compare_digest(presented.encode(), expected.encode())


def _presented(request: Any) -> Optional[Text]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    token: Optional[Text] = request.args.get("token")
    return token


def protect(app: Any, token: Text) -> None:
    from sanic.response import json

    @app.middleware("request")
    async def _require_token(request: Any) -> Any:
        if request.path in OPEN_PATHS or token_ok(token, _presented(request)):
            return None
        return json({"error": "Thiếu hoặc sai mã truy cập Rasa (XASO_RASA_TOKEN)."}, status=401)


def _guard_every_route(token: Text) -> None:
    import rasa.core.run

    original = rasa.core.run.configure_app

    def configure_app(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)
        protect(app, token)
        return app

    rasa.core.run.configure_app = configure_app


def with_token(argv: List[Text], token: Text) -> List[Text]:
    """``argv`` plus ``--auth-token`` for ``run`` (only in this process's memory)."""
    if len(argv) > 1 and argv[1] == "run" and "--auth-token" not in argv and token:
        return [*argv, "--auth-token", token]
    return argv


def apply() -> None:
    if len(sys.argv) < 2 or sys.argv[1] != "run":
        return
    token = os.environ.get("XASO_RASA_TOKEN", "")
    if not token:
        raise SystemExit("XASO_RASA_TOKEN must be set (xaso run writes it to .env).")
    _guard_every_route(token)
    sys.argv = with_token(sys.argv, token)
