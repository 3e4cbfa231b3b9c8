#!/usr/bin/env bash
# The gateway (FastAPI under uvicorn).
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${UVICORN_BIN:-.venv/bin/uvicorn}" api.main:create_app --factory \
  --host "${XASO_GATEWAY_HOST:-127.0.0.1}" --port "${XASO_GATEWAY_PORT:-8000}" --no-access-log
