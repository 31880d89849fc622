#!/usr/bin/env bash
# Copy the browser's barcode decoder from node_modules/ into static/vendor/ (served, not in git).
#
# The ponyfill's JavaScript embeds the exact zxing-wasm version and the sha256 of the .wasm it
# was built against; a .wasm from any other version fails at run time with "memory access out of
# bounds". So we take the zxing-wasm that barcode-detector itself resolves (nested when another
# version is hoisted) and refuse to copy a .wasm whose hash differs from the one the JS expects.
set -eu
cd "$(dirname "$0")/.."
src=node_modules/barcode-detector/dist/es
wasm=node_modules/barcode-detector/node_modules/zxing-wasm/dist/reader/zxing_reader.wasm
[ -f "$wasm" ] || wasm=node_modules/zxing-wasm/dist/reader/zxing_reader.wasm
for f in "$src/ponyfill.js" "$src/zxing-exported.js" "$wasm"; do
  [ -f "$f" ] || { echo "copy-vendor: $f is missing; run npm ci first" >&2; exit 1; }
done
expected=$(grep -oE '"[0-9a-f]{64}"' "$src/zxing-exported.js" | head -1 | tr -d '"')
actual=$(sha256sum "$wasm" | cut -d' ' -f1)
if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
  echo "copy-vendor: $wasm (sha256 $actual) is not the build the ponyfill expects ($expected)" >&2
  exit 1
fi
mkdir -p static/vendor
cp "$src/ponyfill.js" "$src/zxing-exported.js" "$wasm" static/vendor/
echo "$actual  zxing_reader.wasm" > static/vendor/SHA256SUMS
