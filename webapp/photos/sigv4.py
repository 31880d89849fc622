"""AWS Signature Version 4 for S3-compatible object stores (AWS, MinIO, Ceph, R2, Scaleway).

Written out rather than installing boto3 (tens of megabytes) for two calls, PUT and GET of
one object. Follows "Authenticating Requests: Using the Authorization Header" of the S3 API
reference; tests/unit/receiving/test_sigv4.py checks it against that document's example.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import quote, urlsplit

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign(method: str, url: str, headers: dict[str, str], payload_sha256: str, *, access_key: str,
         secret_key: str, region: str, now: datetime, service: str = "s3") -> dict[str, str]:
    """The headers to send: ``headers`` plus host, x-amz-date, x-amz-content-sha256, Authorization."""
    parts = urlsplit(url)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    day = stamp[:8]
    signed = {k.lower(): " ".join(str(v).split()) for k, v in headers.items()}
    signed["host"] = parts.netloc
    signed["x-amz-date"] = stamp
    signed["x-amz-content-sha256"] = payload_sha256
    names = sorted(signed)
    query = "&".join(sorted(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, _, v in (pair.partition("=") for pair in parts.query.split("&") if pair)))
    canonical = "\n".join([
        method.upper(), quote(parts.path or "/", safe="/-_.~"), query,
        "".join(f"{name}:{signed[name]}\n" for name in names), ";".join(names), payload_sha256,
    ])
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), day), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    out = {k: v for k, v in headers.items()}
    out.update({"x-amz-date": stamp, "x-amz-content-sha256": payload_sha256,
                "Authorization": f"AWS4-HMAC-SHA256 Credential={access_key}/{scope},"
                                 f"SignedHeaders={';'.join(names)},Signature={signature}"})
    return out
