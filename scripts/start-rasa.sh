#!/usr/bin/env bash
# Rasa server with the HTTP API on loopback, protected by XASO_RASA_TOKEN (docker-compose.yml uses this too).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" TF_CPP_MIN_LOG_LEVEL=2 RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1
mkdir -p var
export XASO_ACTION_ENDPOINT_URL="${XASO_ACTION_ENDPOINT_URL:-http://127.0.0.1:${XASO_ACTIONS_PORT:-5055}/webhook}"
export XASO_TRACKER_DIALECT="${XASO_TRACKER_DIALECT:-sqlite}" XASO_TRACKER_HOST="${XASO_TRACKER_HOST:-}"
export XASO_TRACKER_DB="${XASO_TRACKER_DB:-var/rasa_tracker.db}"
export XASO_TRACKER_USER="${XASO_TRACKER_USER:-}" XASO_TRACKER_PASSWORD="${XASO_TRACKER_PASSWORD:-}"
export XASO_REDIS_HOST="${XASO_REDIS_HOST:-127.0.0.1}" XASO_REDIS_PORT="${XASO_REDIS_PORT:-6379}"
: "${XASO_RASA_TOKEN:?XASO_RASA_TOKEN must be set (xaso run writes it to .env)}"
# bot.server is `rasa` with two measured hot spots removed (bot/speedups.py); it takes rasa's own arguments.
exec "${RASA_PYTHON:-.venv-rasa/bin/python}" -m bot.server run --enable-api --auth-token "$XASO_RASA_TOKEN" \
  --model "${XASO_RASA_MODEL:-models/xaso.tar.gz}" \
  --endpoints "${XASO_RASA_ENDPOINTS:-bot/endpoints.yml}" --credentials bot/credentials.yml \
  --interface "${XASO_RASA_HOST:-127.0.0.1}" --port "${XASO_RASA_PORT:-5005}"
