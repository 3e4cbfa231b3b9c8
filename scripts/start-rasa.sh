#!/usr/bin/env bash
# Rasa server with the HTTP API on loopback, every route protected by XASO_RASA_TOKEN (docker-compose.yml uses this too).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" TF_CPP_MIN_LOG_LEVEL=2 RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1
mkdir -p var
export XASO_ACTION_ENDPOINT_URL="${XASO_ACTION_ENDPOINT_URL:-http://127.0.0.1:${XASO_ACTIONS_PORT:-5055}/webhook}"
export XASO_TRACKER_DIALECT="${XASO_TRACKER_DIALECT:-sqlite}" XASO_TRACKER_HOST="${XASO_TRACKER_HOST:-}"
export XASO_TRACKER_DB="${XASO_TRACKER_DB:-var/rasa_tracker.db}"
export XASO_TRACKER_USER="${XASO_TRACKER_USER:-}" XASO_TRACKER_PASSWORD="${XASO_TRACKER_PASSWORD:-}"
export XASO_REDIS_HOST="${XASO_REDIS_HOST:-127.0.0.1}" XASO_REDIS_PORT="${XASO_REDIS_PORT:-6379}"
# Cluster (bot/endpoints.redis.yml): Rasa's Redis lock store, and the session cache's version check (bot/sessions.py).
export XASO_REDIS_LOCK_DB="${XASO_REDIS_LOCK_DB:-2}" XASO_REDIS_PASSWORD="${XASO_REDIS_PASSWORD:-}"
: "${XASO_RASA_TOKEN:?XASO_RASA_TOKEN must be set (xaso run writes it to .env)}"
# bot.server is `rasa` with two measured hot spots removed (bot/speedups.py); it takes rasa's own arguments. It reads
# XASO_RASA_TOKEN from the environment (never argv: `ps` shows arguments) and asks for it on every route, the REST
# channel included. XASO_SERVICE_TOKEN goes to the action server with each call (bot/endpoints.yml).
export XASO_SERVICE_TOKEN="${XASO_SERVICE_TOKEN:-dev-service-token}"
exec "${RASA_PYTHON:-.venv-rasa/bin/python}" -m bot.server run --enable-api \
  --model "${XASO_RASA_MODEL:-models/xaso.tar.gz}" \
  --endpoints "${XASO_RASA_ENDPOINTS:-bot/endpoints.yml}" --credentials bot/credentials.yml \
  --interface "${XASO_RASA_HOST:-127.0.0.1}" --port "${XASO_RASA_PORT:-5005}"
