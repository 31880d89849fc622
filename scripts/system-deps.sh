#!/usr/bin/env bash
# Install the system libraries Shelfcount uses, when this machine lets us (root + apt).
# Without them the app still runs: pyzbar is skipped (zxing-cpp decodes alone) and the
# browser tests skip, each saying which package is missing (chromium; webkit2gtk-driver and xvfb).
set -u
want=()
ldconfig -p 2>/dev/null | grep -q 'libzbar\.so\.0' || want+=(libzbar0)
if [ "${SHELFCOUNT_BROWSER_TESTS:-1}" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  want+=(chromium)
fi
if [ "${SHELFCOUNT_BROWSER_TESTS:-1}" = 1 ]; then
  # The phone journeys also run in WebKit, Safari's engine: WebKitGTK's driver under Xvfb.
  [ -x /usr/bin/WebKitWebDriver ] || want+=(webkit2gtk-driver)
  command -v Xvfb >/dev/null || want+=(xvfb)
fi
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "note: missing system packages: ${want[*]} (install them with apt as root); continuing without them" >&2
  exit 0
fi
echo "installing system packages: ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null \
  || echo "note: could not install ${want[*]}; continuing without them" >&2
exit 0
