"""Security headers on every response the gateway sends (issue 26): public pages, the widget's demo page, the
privacy policy, the API's JSON and the bulletins' audio, not only the console (which sets its stricter own:
api/console_base/templating.py; a header a route set is never overridden).

HSTS goes only on a request that arrived over HTTPS - as the reverse proxy reports it with X-Forwarded-Proto, which
uvicorn believes only from XASO_FORWARDED_ALLOW_IPS (scripts/start-gateway.sh) - so a plain-HTTP `make run` never
pins a browser to HTTPS.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The web widget (api/web/static/widget.js) adds its stylesheet as a <style> element, hence 'unsafe-inline' for
# styles only; scripts come from this origin alone. Other sites embed the widget's script, never our pages in a frame.
PUBLIC_CSP = (
    "default-src 'self'; img-src 'self' https: data: blob:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
# Swagger UI and ReDoc (api/docs.py) start from an inline script and build workers from blobs: no policy there; they
# are off in production (XASO_API_DOCS) and list no personal data.
DOCS_PATHS = ("/docs", "/redoc")
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = None if path.startswith(DOCS_PATHS) else PUBLIC_CSP
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if csp is not None:
                    headers.setdefault("Content-Security-Policy", csp)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
