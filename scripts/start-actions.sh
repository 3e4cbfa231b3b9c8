#!/usr/bin/env bash
# Rasa SDK action server; actions reach the gateway over HTTP with XASO_SERVICE_TOKEN.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" SQLALCHEMY_SILENCE_UBER_WARNING=1
exec "${RASA_BIN:-.venv-rasa/bin/rasa}" run actions --actions actions --port "${XASO_ACTIONS_PORT:-5055}"
