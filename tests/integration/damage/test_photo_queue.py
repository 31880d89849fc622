"""Photos a phone queued offline: sent before or after their damage event, sent twice, or failing.

The phone names each queued photo with its own UUID (``client_id``) and the event it belongs
to with the event's client id (``event_id``); the event lists the photo's UUID in
``photo_client_ids``. Whichever reaches the server first, the flag ends with its photo, once.
"""

import io
import uuid
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.integration.receiving.syncing import ev, minutes_ago, sync
from webapp.damage.models import DamageRecord
from webapp.photos.models import Photo


@pytest.fixture
def app_config(tmp_path):
    return {"PHOTO_DIR": str(tmp_path / "photos")}


@pytest.fixture
def photo_dir(app) -> Path:
    return Path(app.config["PHOTO_DIR"])


@pytest.fixture
def floor(store):
    return store.selling_location


@pytest.fixture
def item(make_item):
    return make_item("Olive Oil", cost_cents=400)


def jpeg(color=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), color).save(out, "JPEG")
    return out.getvalue()


def upload(client, data: bytes, **form):
    return client.post("/photos", data={"photo": (io.BytesIO(data), "photo.jpg"), **form},
                       headers={"X-CSRFToken": client.csrf_token(), "Accept": "application/json"},
                       content_type="multipart/form-data")


def damage(item, floor, event_id: str, photo_client_ids: list[str]):
    event = ev("damage", minutes_ago(5), code=item.barcodes[0].code, location_id=floor.id, quantity=1,
               reason="damaged", photo_client_ids=photo_client_ids)
    event["id"] = event_id
    return event


def record_photos(db, event_id: str) -> list[int]:
    db.session.expire_all()
    record = db.session.scalar(select(DamageRecord).where(DamageRecord.event_id == event_id))
    return [p.id for p in record.photos]


def files_in(photo_dir: Path) -> list[Path]:
    return [p for p in photo_dir.rglob("*") if p.is_file()] if photo_dir.exists() else []


def test_a_photo_that_arrives_before_its_event_is_attached_when_the_event_arrives(login_as, item, floor, db):
    staff = login_as("staff")
    event_id, photo_id = str(uuid.uuid4()), str(uuid.uuid4())
    response = upload(staff, jpeg(), client_id=photo_id, event_id=event_id)
    assert response.status_code == 201, response.json
    assert response.json["attached"] is False        # the flag is still in the phone's outbox
    sync(staff, damage(item, floor, event_id, [photo_id]))
    assert record_photos(db, event_id) == [response.json["id"]]


def test_a_photo_that_arrives_after_its_event_is_attached_on_upload(login_as, item, floor, db):
    staff = login_as("staff")
    event_id, photo_id = str(uuid.uuid4()), str(uuid.uuid4())
    sync(staff, damage(item, floor, event_id, [photo_id]))   # accepted without the photo
    assert record_photos(db, event_id) == []
    response = upload(staff, jpeg(), client_id=photo_id, event_id=event_id)
    assert response.status_code == 201, response.json
    assert response.json["attached"] is True
    assert record_photos(db, event_id) == [response.json["id"]]
    assert staff.get(response.json["url"]).status_code == 200


def test_a_photo_uploaded_twice_is_stored_and_attached_once(login_as, item, floor, db, photo_dir):
    staff = login_as("staff")
    event_id, photo_id = str(uuid.uuid4()), str(uuid.uuid4())
    sync(staff, damage(item, floor, event_id, [photo_id]))
    first = upload(staff, jpeg(), client_id=photo_id, event_id=event_id)
    again = upload(staff, jpeg(), client_id=photo_id, event_id=event_id)  # the first answer was lost
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"] and again.json["attached"] is True
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 1
    assert len(files_in(photo_dir)) == 1
    assert record_photos(db, event_id) == [first.json["id"]]


def test_the_same_phone_id_in_another_store_is_another_photo(login_as, other_store_manager, db):
    photo_id = str(uuid.uuid4())
    ours = upload(login_as("staff"), jpeg(), client_id=photo_id)
    theirs = upload(login_as(user=other_store_manager), jpeg((0, 0, 200)), client_id=photo_id)
    assert (ours.status_code, theirs.status_code) == (201, 201)
    assert ours.json["id"] != theirs.json["id"]


def test_a_damaged_on_arrival_mark_gets_its_late_photo(login_as, item, db):
    receiver = login_as("receiver")
    event_id, photo_id = str(uuid.uuid4()), str(uuid.uuid4())
    scan = ev("receive_scan", minutes_ago(10), session_id="dock-1", code=item.barcodes[0].code, quantity=3)
    mark = ev("receive_damage", minutes_ago(9), session_id="dock-1", code=item.barcodes[0].code, quantity=1,
              reason="damaged", photo_client_ids=[photo_id])
    mark["id"] = event_id
    sync(receiver, scan, mark)
    response = upload(receiver, jpeg(), client_id=photo_id, event_id=event_id)
    assert response.json["attached"] is True
    assert record_photos(db, event_id) == [response.json["id"]]


def test_only_the_flagger_adds_photos_to_a_flag(login_as, item, floor, db):
    event_id = str(uuid.uuid4())
    sync(login_as("staff"), damage(item, floor, event_id, []))
    other = login_as("staff")
    response = upload(other, jpeg(), client_id=str(uuid.uuid4()), event_id=event_id)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "not_your_flag"
    assert record_photos(db, event_id) == []


@pytest.mark.parametrize("field", ["client_id", "event_id"])
def test_a_malformed_phone_id_is_400_saying_what_it_should_be(login_as, field, photo_dir):
    response = upload(login_as("staff"), jpeg(), **{field: "../../etc"})
    assert response.status_code == 400
    assert response.json["error"]["field"] == field
    assert "letters, digits or dashes" in response.json["error"]["message"]
    assert files_in(photo_dir) == []


def test_an_event_with_malformed_photo_client_ids_is_rejected_not_a_500(login_as, item, floor):
    results = sync(login_as("staff"), damage(item, floor, str(uuid.uuid4()), ["x" * 200]), expect="rejected")
    assert results[0]["error"]["field"] == "photo_client_ids"


@pytest.mark.parametrize("client_id", [None, "3f2c1e9a-phone-photo"])
def test_a_failed_database_save_leaves_no_photo_file_behind(app, store, db, photo_dir, client_id):
    from webapp.photos.service import store_photo

    # No user 999999: the row breaks its foreign key when it commits, after the file was written.
    with pytest.raises(IntegrityError):
        store_photo(store.id, 999_999, jpeg(), client_id=client_id)
    assert files_in(photo_dir) == []
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 0


def test_a_database_outage_during_the_save_is_a_503_and_leaves_no_file(login_as, db, photo_dir, monkeypatch):
    staff = login_as("staff")
    staff.csrf_token()
    from webapp.photos import service

    def unreachable(_photo):
        raise OperationalError("INSERT INTO photos", {}, Exception("database went away"))

    monkeypatch.setattr(service.db.session, "add", unreachable)
    response = upload(staff, jpeg(), client_id=str(uuid.uuid4()))
    monkeypatch.undo()
    assert response.status_code == 503
    assert files_in(photo_dir) == []
