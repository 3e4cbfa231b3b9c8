#!/usr/bin/env bash
# The gateway (FastAPI under uvicorn).
# X-Forwarded-For is believed only from the reverse proxies listed in XASO_FORWARDED_ALLOW_IPS (comma-separated
# addresses/CIDRs, e.g. the proxy container's address); unset, no header is trusted: the client address is the peer's
# (uvicorn otherwise trusts 127.0.0.1, so anyone on the machine could pick the address the login throttle sees).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${XASO_FORWARDED_ALLOW_IPS:-}" ]; then
  proxy_args=(--proxy-headers --forwarded-allow-ips "$XASO_FORWARDED_ALLOW_IPS")
else
  proxy_args=(--no-proxy-headers)
fi
# A stop (Ctrl-C, a deploy, SIGTERM) waits at most XASO_SHUTDOWN_GRACE_SECONDS for requests in flight. Without a
# limit, every citizen's open chat widget (an event stream lasting up to 5 minutes) would hold the restart that long;
# the widget reconnects and resumes from its last event, and a turn cut short is already stored and retried.
# XASO_GATEWAY_WORKERS > 1 (the cluster): uvicorn runs that many processes on one port and restarts one that dies.
# Under supervisord (deploy/supervisord.conf sets XASO_GATEWAY_PIDFILE): when uvicorn's main process was killed, its
# workers live on holding the port, and the gateway started again could not bind it. They are the previous run's
# process group (numbered by its main process, whose number Linux does not reuse while the group has members): ended
# first. systemd and Docker end a service's leftover processes themselves.
if [ -n "${XASO_GATEWAY_PIDFILE:-}" ]; then
  previous=$(cat "$XASO_GATEWAY_PIDFILE" 2>/dev/null || true)
  if [ -n "$previous" ] && [ "$previous" != "$$" ] && pgrep -g "$previous" >/dev/null; then
    echo "ending the previous gateway's leftover workers (process group $previous)" >&2
    pkill -KILL -g "$previous" || true
    sleep 0.5
  fi
  echo "$$" >"$XASO_GATEWAY_PIDFILE"
fi
# Several workers: each writes its Prometheus counters to files in one folder, which /metrics adds up
# (api/health/metrics.py); emptied at each start, as prometheus-client requires.
if [ "${XASO_GATEWAY_WORKERS:-1}" -gt 1 ]; then
  export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-${XASO_DATA_DIR:-var}/prometheus}"
  rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "${UVICORN_BIN:-.venv/bin/uvicorn}" api.main:create_app --factory \
  --host "${XASO_GATEWAY_HOST:-127.0.0.1}" --port "${XASO_GATEWAY_PORT:-8000}" --no-access-log "${proxy_args[@]}" \
  --workers "${XASO_GATEWAY_WORKERS:-1}" --timeout-graceful-shutdown "${XASO_SHUTDOWN_GRACE_SECONDS:-5}"
