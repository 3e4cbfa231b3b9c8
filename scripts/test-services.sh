#!/usr/bin/env bash
# The test services that answer on this machine: `scripts/test-services.sh database|redis` prints the URL the tests
# use for it (TEST_DATABASE_URL / TEST_REDIS_URL), or nothing when it does not answer. `make test` asks it, so a plain
# `make test` uses PostgreSQL and Redis exactly as CI (.ci/run) does; a variable already set is never replaced.
set -uo pipefail
answers() {  # host port: something listens there
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}
case "${1:-}" in
  database)
    if command -v pg_isready >/dev/null 2>&1; then
      pg_isready -q -h 127.0.0.1 -p 5432 || exit 0
    else
      answers 127.0.0.1 5432 || exit 0
    fi
    echo "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    ;;
  redis)
    if command -v redis-cli >/dev/null 2>&1; then
      redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || exit 0
    else
      answers 127.0.0.1 6379 || exit 0
    fi
    echo "redis://127.0.0.1:6379/15"
    ;;
  *)
    echo "usage: $0 database|redis" >&2
    exit 2
    ;;
esac
