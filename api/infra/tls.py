"""One TLS context for the process's outbound HTTP clients: each new context loads the CA bundle again (about 50 ms,
three times per app), and a context is safe to share between clients."""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def client_context() -> ssl.SSLContext:
    """httpx's default verification (certifi, or SSL_CERT_FILE / SSL_CERT_DIR when set), made once."""
    return httpx.create_ssl_context()
