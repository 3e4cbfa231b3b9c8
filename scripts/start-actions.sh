#!/usr/bin/env bash
# Rasa SDK action server (actions/server.py): on 127.0.0.1 unless XASO_ACTIONS_HOST says otherwise (compose sets
# 0.0.0.0 on its private network), and only for callers presenting XASO_SERVICE_TOKEN, read from the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" SQLALCHEMY_SILENCE_UBER_WARNING=1
export XASO_ACTIONS_HOST="${XASO_ACTIONS_HOST:-127.0.0.1}" XASO_ACTIONS_PORT="${XASO_ACTIONS_PORT:-5055}"
exec "${RASA_PYTHON:-.venv-rasa/bin/python}" -m actions.server
