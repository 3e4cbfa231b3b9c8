"""The action server: Rasa SDK's own app, bound to loopback by default, and refusing any call without the token.

``python -m actions.server`` (scripts/start-actions.sh) replaces ``rasa run actions``, whose server listens on
0.0.0.0 with no authentication: anyone who reached port 5055 could run ``action_check_status`` for another citizen
or file a case in someone else's name. Here:

- the address is ``XASO_ACTIONS_HOST`` (default 127.0.0.1; docker-compose sets 0.0.0.0 on its private network);
- every route but ``/health`` needs ``XASO_SERVICE_TOKEN``, which Rasa sends as ``?token=`` (bot/endpoints.yml,
  ``action_endpoint.token``) or a caller may send as ``Authorization: Bearer``;
- the token comes from the environment, never the command line (``ps`` shows every argument);
- ``XASO_ENV=production`` refuses the built-in development token.
"""

from __future__ import annotations

import hmac
import logging
import os
import sys
from typing import Optional, Text

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json

logger = logging.getLogger(__name__)

DEV_TOKEN = "dev-service-token"
OPEN_PATHS = frozenset({"/health"})


def presented_token(request: Request) -> Optional[Text]:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.args.get("token")


def token_ok(expected: Text, presented: Optional[Text]) -> bool:
    return bool(expected) and presented is not None and hmac.compare_digest(presented.encode(), expected.encode())


def protect(app: Sanic, token: Text) -> None:
    """Refuse every request without the service token (``/health`` stays open for readiness checks)."""

    @app.middleware("request")
    async def _require_token(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS or token_ok(token, presented_token(request)):
            return None
        return json({"error": "Thiếu hoặc sai mã dịch vụ (XASO_SERVICE_TOKEN)."}, status=401)


def service_token() -> Text:
    token = os.environ.get("XASO_SERVICE_TOKEN", DEV_TOKEN)
    if os.environ.get("XASO_ENV") == "production" and (token == DEV_TOKEN or len(token) < 16):
        raise SystemExit("XASO_ENV=production: XASO_SERVICE_TOKEN vẫn là giá trị mặc định hoặc quá ngắn.")
    return token


def create_app(token: Text) -> Sanic:
    from rasa_sdk.endpoint import create_app as sdk_app
    from rasa_sdk.plugin import plugin_manager

    app = sdk_app("actions", cors_origins=None)  # no browser ever calls the action server
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    protect(app, token)
    return app


def main() -> None:
    from rasa_sdk import utils

    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    token = service_token()
    host = os.environ.get("XASO_ACTIONS_HOST", "127.0.0.1")
    port = int(os.environ.get("XASO_ACTIONS_PORT", "5055"))
    app = create_app(token)
    logger.info("Action server on http://%s:%s (service token required)", host, port)
    app.run(host, port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    sys.exit(main())
