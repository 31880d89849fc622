#!/usr/bin/env bash
# Known vulnerabilities in the pinned dependencies (requirements-dev.txt, which includes
# requirements.txt), by pip-audit in a venv of its own so its dependencies never mix with the
# app's. Needs the network: not part of `make test`. AUDIT_SERVICE=osv asks OSV instead of PyPI.
#
# --strict: a package pip-audit could not look up fails the audit instead of passing unseen.
# Where PyPI answers only its per-project JSON (some mirrors and proxies: per-version URLs give
# 404), the fallback reads the advisories PyPI lists for each package's latest release, which
# covers every pin that is the latest release and names those that are not.
set -eu
cd "$(dirname "$0")/.."
AUDIT=.venv-audit
[ -x "$AUDIT/bin/pip-audit" ] || {
  python3 -m venv "$AUDIT"
  "$AUDIT/bin/pip" install --disable-pip-version-check -q pip-audit==2.10.1
}
[ -x .venv/bin/python ] || { echo "run make setup-dev first (the fallback reads .venv)"; exit 2; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
"$AUDIT/bin/pip-audit" --strict --progress-spinner off --desc off -r requirements-dev.txt \
  --vulnerability-service "${AUDIT_SERVICE:-pypi}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
[ "$status" = 0 ] && exit 0
# Status 1 is also "vulnerabilities found": fall back only when the look-up itself failed.
if grep -qE "could not be audited|ConnectionError|NameResolutionError|Max retries exceeded" "$log"; then
  echo "pip-audit could not look the pins up here; the latest-release check follows." >&2
  .venv/bin/python scripts/audit_latest.py
  exit $?
fi
exit "$status"
