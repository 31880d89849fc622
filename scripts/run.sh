#!/usr/bin/env bash
# Serve the demo store: migrate, seed (first run only), start the Clover emulator with
# live trading, keep Shelfcount in sync with it and its low-stock alerts checked, and serve
# HTTP on :8000 and HTTPS on :8443 (HTTP_PORT, HTTPS_PORT, EMULATOR_PORT to change them).
set -eu
cd "$(dirname "$0")/.."
PY=.venv/bin/python
FLASK=".venv/bin/flask --app wsgi"
mkdir -p instance
[ -s instance/secret_key ] || $PY -c 'import secrets; print(secrets.token_hex(32))' > instance/secret_key
chmod 600 instance/secret_key
LAN=$(hostname -I 2>/dev/null | awk '{print $1}')
$PY scripts/devcert.py instance ${LAN:+"$LAN"}

export DEMO_MODE=1
: "${HTTP_PORT:=8000}" "${HTTPS_PORT:=8443}" "${EMULATOR_PORT:=8765}"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if [ -z "${CLOVER_BASE_URL:-}" ] && $PY -c 'import clover_emulator' 2>/dev/null; then
  export CLOVER_BASE_URL="http://127.0.0.1:${EMULATOR_PORT}"
  export CLOVER_DEMO_EMULATOR=1
fi

$PY -c 'from scanner import available_engines
if "zbar" not in available_engines():
    print("note: libzbar0 is not installed; server-side decoding uses zxing-cpp alone")'
$FLASK db upgrade
$FLASK demo seed

if [ "${CLOVER_DEMO_EMULATOR:-0}" = 1 ] && $FLASK demo emulator --help >/dev/null 2>&1; then
  $FLASK demo emulator --port "$EMULATOR_PORT" >instance/emulator.log 2>&1 &
  pids+=($!)
  for _ in $(seq 60); do
    $PY -c "import urllib.request as u; u.urlopen('$CLOVER_BASE_URL/_emulator/health', timeout=1)" 2>/dev/null && break
    sleep 0.5
  done
  # The demo merchant's token is the emulator's own; a real store runs `flask clover connect` once.
  # By name, not id: a reseeded database need not give the demo store id 1.
  DEMO_STORE=$($PY -c 'from webapp.demo.catalog import STORE_NAME; print(STORE_NAME)')
  $FLASK clover connect --store "$DEMO_STORE" --merchant-id DEMOMARKET001 --token demo-emulator-token
  $FLASK clover sync || true
fi
# The periodic jobs, like cron every minute but sooner (sales from the emulator show up within
# seconds): one long-lived process pulls and pushes Clover, then raises low-stock alerts and
# retries their deliveries, so alerts fire without anyone at a keyboard. Logged with the time
# of each cycle in instance/jobs.log; a failing step is logged there and the next still runs.
EVERY=${SYNC_EVERY:-${CLOVER_SYNC_EVERY:-15}}
$FLASK jobs run --every "$EVERY" >>instance/jobs.log 2>&1 &
pids+=($!)

GUNICORN=".venv/bin/gunicorn --workers ${WORKERS:-2} --threads 4 --access-logfile - wsgi:app"
# Each server its own control socket (gunicornc -s instance/gunicorn-https.ctl): gunicorn's default,
# ~/.gunicorn/gunicorn.ctl, is one path for every gunicorn of the user, and the last one started
# takes it over (and deletes it when it stops), so the two here would share, and lose, one socket.
$GUNICORN --bind "0.0.0.0:${HTTPS_PORT}" --certfile instance/dev-cert.pem --keyfile instance/dev-key.pem \
  --control-socket "$PWD/instance/gunicorn-https.ctl" --error-logfile instance/gunicorn-https.log &
pids+=($!)
# Plain HTTP is for this machine only: a phone needs the HTTPS address for its camera.
SESSION_COOKIE_SECURE=0 $GUNICORN --bind "127.0.0.1:${HTTP_PORT}" --control-socket "$PWD/instance/gunicorn-http.ctl" &
pids+=($!)

sleep 1
PHONE_HOST=${LAN:-"<this computer's LAN address>"}
cat <<MSG

  Shelfcount is running.
    On this computer:   http://localhost:${HTTP_PORT}
    On a phone (LAN):   https://${PHONE_HOST}:${HTTPS_PORT}
                        (accept the self-signed certificate once; the camera needs HTTPS)
    Demo logins (password "demo"): staff, receiver, manager, admin
    Printable barcodes: /labels
    Clover: ${CLOVER_BASE_URL:-not configured}
    Every ${EVERY} s: clover sync, alerts check (flask jobs run; log in instance/jobs.log)
  Press Ctrl-C to stop.

MSG
wait
