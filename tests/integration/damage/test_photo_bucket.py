"""Photos in an S3-compatible bucket: a local fake bucket that checks what a real one checks."""

import hashlib
import io
import threading

import pytest
from PIL import Image
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class FakeBucket:
    def __init__(self):
        self.objects: dict[str, bytes] = {}
        self.requests: list[tuple[str, str]] = []

    def __call__(self, environ, start_response):
        request = Request(environ)
        body = request.get_data()
        self.requests.append((request.method, request.path))
        auth = request.headers.get("Authorization", "")
        scope_ok = "/eu-west-1/s3/aws4_request" in auth
        if not auth.startswith("AWS4-HMAC-SHA256 Credential=test-key/") or not scope_ok:
            return Response("no signature", 403)(environ, start_response)
        if request.headers.get("x-amz-content-sha256") != hashlib.sha256(body).hexdigest():
            return Response("payload hash mismatch", 400)(environ, start_response)
        if request.method == "PUT":
            self.objects[request.path] = body
            return Response("", 200)(environ, start_response)
        if request.method == "DELETE":
            self.objects.pop(request.path, None)
            return Response("", 204)(environ, start_response)
        if request.path not in self.objects:
            return Response("NoSuchKey", 404)(environ, start_response)
        return Response(self.objects[request.path], 200)(environ, start_response)


@pytest.fixture
def bucket():
    fake = FakeBucket()
    server = make_server("127.0.0.1", 0, fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def app_config(bucket, tmp_path):
    return {"PHOTO_S3_BUCKET": "shelfcount-photos", "PHOTO_S3_ENDPOINT": bucket[1],
            "PHOTO_S3_REGION": "eu-west-1", "PHOTO_S3_ACCESS_KEY": "test-key",
            "PHOTO_S3_SECRET_KEY": "test-secret", "PHOTO_DIR": str(tmp_path / "unused")}


def test_a_photo_goes_to_the_bucket_signed_and_comes_back_through_the_store_check(login_as, bucket, tmp_path):
    fake, _ = bucket
    client = login_as("staff")
    out = io.BytesIO()
    Image.new("RGB", (120, 90), "blue").save(out, "PNG")
    response = client.post("/photos", data={"photo": (io.BytesIO(out.getvalue()), "p.png")},
                           headers={"X-CSRFToken": client.csrf_token()}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    (path,) = fake.objects
    assert path.startswith(f"/shelfcount-photos/{client.user.store_id}/")
    served = client.get(response.json["url"])
    assert served.status_code == 200 and served.data == fake.objects[path]
    assert not (tmp_path / "unused").exists()


def test_a_photo_whose_row_fails_to_save_is_deleted_from_the_bucket(app, store, bucket):
    from sqlalchemy.exc import IntegrityError

    from webapp.photos.service import store_photo

    fake, _ = bucket
    out = io.BytesIO()
    Image.new("RGB", (120, 90), "red").save(out, "PNG")
    with pytest.raises(IntegrityError):          # no user 999999: the row's foreign key fails
        store_photo(store.id, 999_999, out.getvalue())
    assert [method for method, _ in fake.requests] == ["PUT", "DELETE"]
    assert fake.objects == {}
