"""What makes the app installable: the web app manifest and the service worker's source.

The service worker's cache name is derived from the bytes of everything it precaches, so any
deploy that changes a script, the stylesheet or the decoder gives phones a new worker and a
fresh cache; nobody has to remember to bump a version by hand.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from webapp.config import ROOT

STATIC = ROOT / "static"
SW_SOURCE = STATIC / "sw.js"
THEME = "#1f5f4a"
BACKGROUND = "#f6f8f7"
# The decoder is ~1 MB; it is precached so a phone that opened the app once scans offline.
VENDOR_FILES = ("vendor/ponyfill.js", "vendor/zxing-exported.js", "vendor/zxing_reader.wasm")
PUBLIC_PAGES = ("/offline", "/manifest.webmanifest")
_PLACEHOLDER = "/*SHELL*/{}/*END*/"


def manifest() -> dict:
    icon = "/static/icons/"
    return {
        "id": "/",
        "name": "Shelfcount",
        "short_name": "Shelfcount",
        "description": "Count shelves, receive deliveries and flag damage; one stock level you can trust.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME,
        "background_color": BACKGROUND,
        "icons": [
            {"src": icon + "icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": icon + "icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": icon + "icon-maskable-512.png", "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
    }


def shell_files() -> list[Path]:
    """The static files every phone keeps: styles, every script module, icons, the decoder."""
    files = [STATIC / "css" / "app.css"]
    files += sorted((STATIC / "js").glob("*.js"))
    files += sorted((STATIC / "icons").glob("*.png"))
    files += [STATIC / name for name in VENDOR_FILES if (STATIC / name).is_file()]
    return [f for f in files if f.is_file()]


def service_worker_source() -> str:
    files = shell_files()
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in [SW_SOURCE, *files])
    return _render(stamp)


@lru_cache(maxsize=4)
def _render(stamp: tuple) -> str:
    digest = hashlib.sha256()
    for path, _mtime, _size in stamp:
        digest.update(Path(path).read_bytes())
    digest.update(json.dumps(manifest(), sort_keys=True).encode())
    urls = ["/static/" + Path(path).relative_to(STATIC).as_posix() for path, _m, _s in stamp[1:]]
    shell = {"version": digest.hexdigest()[:12], "urls": [*PUBLIC_PAGES, *urls]}
    source = SW_SOURCE.read_text(encoding="utf-8")
    if _PLACEHOLDER not in source:
        raise RuntimeError("static/sw.js lost its /*SHELL*/ placeholder")
    return source.replace(_PLACEHOLDER, "/*SHELL*/" + json.dumps(shell) + "/*END*/", 1)
