#!/usr/bin/env bash
# The whole suite: lint, then every test on SQLite, then again on PostgreSQL when
# TEST_DATABASE_URL names one (CI sets it). Browser tests run on the SQLite pass only:
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
echo "== tests on SQLite"
env -u TEST_DATABASE_URL POSTGRES_PASS_FOLLOWS="${TEST_DATABASE_URL:+1}" $PY -m pytest -p no:cacheprovider "$@"
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "== tests on PostgreSQL ($TEST_DATABASE_URL)"
  $PY -m pytest -p no:cacheprovider -m "not browser" "$@"
fi
