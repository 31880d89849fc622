from datetime import UTC, datetime

from webapp.photos.sigv4 import EMPTY_SHA256, sign


def test_the_signature_matches_the_s3_reference_example_for_get_object():
    # "Example: GET Object" in the S3 API reference, Signature Version 4 (Authorization header).
    headers = sign("GET", "https://examplebucket.s3.amazonaws.com/test.txt", {"Range": "bytes=0-9"},
                   EMPTY_SHA256, access_key="AKIAIOSFODNN7EXAMPLE",
                   secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region="us-east-1",
                   now=datetime(2013, 5, 24, tzinfo=UTC))
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    assert headers["Range"] == "bytes=0-9"
