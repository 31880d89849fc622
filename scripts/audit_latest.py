"""The fallback of `make audit`: advisories for what .venv holds, from PyPI's per-project JSON.

pip-audit asks ``https://pypi.org/pypi/<name>/<version>/json``; where only the per-project
document ``/pypi/<name>/json`` is served, its ``vulnerabilities`` are those of the latest
release. So a pin that is the latest release is checked exactly, and one that is older is
named as not checked (upgrade it, or audit where PyPI or OSV answers in full).
Exit status: 1 when a checked pin has an advisory, 2 when nothing could be checked, else 0.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata

PYPI = "https://pypi.org/pypi/{}/json"
SKIP = {"pip", "setuptools", "wheel"}  # the venv's own tools, not pinned by us


def installed() -> dict[str, str]:
    return {dist.metadata["Name"].lower(): dist.version for dist in metadata.distributions()
            if dist.metadata["Name"] and dist.metadata["Name"].lower() not in SKIP}


def project(name: str) -> dict | None:
    try:
        with urllib.request.urlopen(PYPI.format(name), timeout=30) as answer:  # noqa: S310 (fixed https URL)
            return json.load(answer)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def main() -> int:
    pins = installed()
    with ThreadPoolExecutor(max_workers=4) as pool:
        documents = dict(zip(pins, pool.map(project, pins), strict=True))
    found, older, missing = [], [], []
    for name, version in sorted(pins.items()):
        doc = documents[name]
        if doc is None:
            missing.append(name)
            continue
        latest = doc["info"]["version"]
        if latest != version:
            older.append(f"{name} {version} (latest {latest})")
            continue
        for vuln in doc.get("vulnerabilities") or []:
            if not vuln.get("withdrawn"):
                fixed = ", ".join(vuln.get("fixed_in") or []) or "no fix yet"
                found.append(f"{name} {version}: {vuln['id']} ({', '.join(vuln.get('aliases') or [])}) "
                             f"fixed in {fixed}: {vuln.get('link', '')}")
    checked = len(pins) - len(older) - len(missing)
    print(f"{checked} of {len(pins)} installed packages are their latest release and were checked "
          "against PyPI's advisories")
    for line in found:
        print(f"VULNERABLE {line}")
    if older:
        print(f"not checked, older than the latest release: {'; '.join(older)}")
    if missing:
        print(f"not on PyPI: {', '.join(missing)}")
    if found:
        return 1
    return 0 if checked else 2


if __name__ == "__main__":
    sys.exit(main())
