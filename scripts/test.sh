#!/usr/bin/env bash
# The whole suite: lint, then every test on SQLite and, at the same time, again on PostgreSQL
# when TEST_DATABASE_URL names one (CI sets it). Browser tests run on the SQLite pass only:
# they prove the phone app, which does not change with the engine behind the server.
set -eu
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# The Clover client shares its throttle through Redis when REDIS_URL is set (as with several
# app servers); its own tests skip, saying so, when nothing answers there.
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
echo "== ruff"
.venv/bin/ruff check .
echo "== import contracts (pyproject.toml [tool.importlinter]; docs/ARCHITECTURE.md)"
.venv/bin/lint-imports --no-cache --no-logo
# The two engines' passes run side by side (they share nothing: each has its own database and
# its own Redis database number), which halves the wall time on a machine with two cores. The
# PostgreSQL pass's output is printed after the SQLite pass's.
pg_status=0
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  pg_log="$(mktemp)"
  case "${REDIS_URL##*/}" in
    [0-9]|1[0-4]) pg_redis="${REDIS_URL%/*}/$(( ${REDIS_URL##*/} + 1 ))" ;;
    *) pg_redis="${REDIS_URL%/}/1" ;;
  esac
  echo "== tests on PostgreSQL ($TEST_DATABASE_URL), beside the SQLite pass; Redis $pg_redis"
  REDIS_URL="$pg_redis" $PY -m pytest -p no:cacheprovider -m "not browser" "$@" >"$pg_log" 2>&1 &
  pg_pid=$!
fi
echo "== tests on SQLite"
sqlite_status=0
env -u TEST_DATABASE_URL POSTGRES_PASS_FOLLOWS="${TEST_DATABASE_URL:+1}" \
  $PY -m pytest -p no:cacheprovider "$@" || sqlite_status=$?
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  wait "$pg_pid" || pg_status=$?
  echo "== tests on PostgreSQL ($TEST_DATABASE_URL): its output"
  cat "$pg_log"
  rm -f "$pg_log"
fi
[ "$sqlite_status" -eq 0 ] && [ "$pg_status" -eq 0 ]
