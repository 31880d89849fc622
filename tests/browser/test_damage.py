"""Flagging damage on a phone: the fake camera scans, a reason is tapped, a photo is chosen."""

from __future__ import annotations

import io

from PIL import ExifTags, Image
from playwright.sync_api import expect

from tests.browser.conftest import log_in, outbox_empty


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (40.0, 26.0, 46.0)
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (180, 60, 40)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def records(live_server):
    from webapp.damage.models import DamageRecord
    from webapp.extensions import db

    with live_server["app"].app_context():
        return [(r.item_id, r.quantity, r.reason, r.status, [p.id for p in r.photos])
                for r in db.session.query(DamageRecord).filter(DamageRecord.receipt_id.is_(None))]


def test_a_damage_flag_with_a_reason_and_a_photo(page, live_server):
    before = len(records(live_server))
    log_in(page, "sam", next_path="/damage/new")
    page.wait_for_selector("body[data-damage-ready='1']")
    expect(page.locator("#damage-item")).to_have_text("Oat Milk 1L", timeout=15_000)
    page.get_by_role("button", name="One more").click()
    page.get_by_label("expired").check()
    page.set_input_files("#flag-photo", files=[{"name": "shelf.jpg", "mimeType": "image/jpeg",
                                                "buffer": photo_with_gps()}])
    expect(page.locator("#flag-photo-status")).to_have_text("Photo attached.", timeout=10_000)
    page.get_by_role("button", name="Flag it").click()
    expect(page.locator("#flag-status")).to_contain_text("Flagged 2 × Oat Milk 1L as expired")
    outbox_empty(page, timeout=10)
    found = records(live_server)
    assert len(found) == before + 1
    item_id, quantity, reason, status, photos = found[-1]
    oat_milk = live_server["items"]["Oat Milk 1L"]
    assert (item_id, quantity, reason, status) == (oat_milk, 2, "expired", "applied")
    assert len(photos) == 1
    served = page.request.get(f"/photos/{photos[0]}")
    assert served.ok
    assert Image.open(io.BytesIO(served.body())).getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}


def test_an_unknown_code_is_kept_for_a_manager_and_nothing_is_flagged(page, live_server):
    from webapp.extensions import db
    from webapp.unknown.models import UnknownScan

    before = len(records(live_server))
    log_in(page, "sam", next_path="/damage/new")
    page.wait_for_selector("body[data-damage-ready='1']")
    expect(page.locator("#damage-item")).to_have_text("Oat Milk 1L", timeout=15_000)   # the camera's
    where = int(page.locator("#flag-location").input_value())
    field = page.get_by_label("Type a barcode")
    field.fill("SHELF-TAG-404")
    field.press("Enter")
    expect(page.locator("#damage-item")).to_contain_text(
        "UNKNOWN CODE SHELF-TAG-404: not flagged. Kept for a manager")
    page.get_by_label("damaged", exact=True).check()
    page.get_by_role("button", name="Flag it").click()          # not the item scanned before it
    expect(page.locator("#flag-status")).to_have_text("Scan the item first.")
    outbox_empty(page, timeout=20)
    assert len(records(live_server)) == before
    with live_server["app"].app_context():
        rows = db.session.query(UnknownScan).filter(UnknownScan.raw_code == "SHELF-TAG-404")
        kept = [(s.raw_code, s.context, s.location_id, s.status, s.quantity) for s in rows]
        rows.delete()                      # the server is shared: other tests count waiting codes
        db.session.commit()
    assert kept == [("SHELF-TAG-404", "damage", where, "pending", 1)]
