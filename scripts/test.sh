#!/usr/bin/env bash
# The whole suite: lint; every non-browser test on SQLite and, at the same time, again on
# PostgreSQL when TEST_DATABASE_URL names one (CI sets it); then the browser tests.
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
# The two engines' non-browser passes run side by side (they share nothing: each makes its own
# database, and the PostgreSQL pass uses the next Redis database number), which nearly halves
# the wall time on a machine with two cores. The browser tests come last, alone: beside a
# running pass, a loaded machine made their waits flaky. They run on SQLite only: they prove
# the phone app, which does not change with the engine behind the server.
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
  $PY -m pytest -p no:cacheprovider -m "not browser" "$@" || sqlite_status=$?
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  wait "$pg_pid" || pg_status=$?
  echo "== tests on PostgreSQL ($TEST_DATABASE_URL): its output"
  cat "$pg_log"
  rm -f "$pg_log"
fi
echo "== browser tests (Chromium, and WebKit for the phone journeys), on SQLite"
browser_status=0
env -u TEST_DATABASE_URL $PY -m pytest -p no:cacheprovider -m browser "$@" || browser_status=$?
# pytest's 5 is "no tests selected": a pass that paths given on the command line leave empty.
for status in "$sqlite_status" "$pg_status" "$browser_status"; do
  [ "$status" -eq 0 ] || [ "$status" -eq 5 ] || exit "$status"
done
