#!/usr/bin/env bash
# Browser dependencies come from npm at set-up, never from a CDN, and stay out of git.
set -eu
cd "$(dirname "$0")/.."
[ -f package.json ] || exit 0
if ! command -v npm >/dev/null; then
  echo "note: npm is missing; the camera decoder (static/vendor) cannot be installed" >&2
  exit 0
fi
stamp=node_modules/.stamp-vendor
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ ! -d static/vendor ]; then
  npm ci --no-audit --no-fund --silent
  mkdir -p static/vendor
  [ -x scripts/copy-vendor.sh ] && ./scripts/copy-vendor.sh
  touch "$stamp"
fi
