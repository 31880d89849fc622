"""The store's barcode types: a manager's setting that the server's decoder and the phones follow."""

import io

import zxingcpp
from PIL import Image


def _databar_png() -> bytes:
    created = zxingcpp.create_barcode("0100614141999996", zxingcpp.BarcodeFormat.DataBar)
    pixels = memoryview(zxingcpp.write_barcode_to_image(created, scale=4))
    height, width = pixels.shape[:2]
    code = Image.frombytes("L", (width, height), bytes(pixels))
    canvas = Image.new("L", (width + 80, height + 80), 255)
    canvas.paste(code, (40, 40))
    out = io.BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()


def _decode(client) -> list[str]:
    response = client.post("/api/v1/decode", data={"image": (io.BytesIO(_databar_png()), "p.png")},
                           headers={"X-CSRFToken": client.csrf_token()}, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [(s["format"], s["gtin14"]) for s in response.get_json()["symbols"]]


def test_a_new_store_reads_retail_codes_and_databar(staff):
    body = staff.get("/api/v1/store/barcode-formats").get_json()
    assert "databar" in body["formats"] and "code93" not in body["formats"]
    assert {"code93", "codabar", "pdf417", "databar_expanded"} <= set(body["available"])
    assert _decode(staff) == [("databar", "00614141999996")]


def test_the_server_decodes_only_what_the_store_chose(manager):
    response = manager.post_json("/api/v1/store/barcode-formats", {"formats": ["upca", "ean13", "code93"]})
    assert response.status_code == 200
    assert response.get_json()["formats"] == ["ean13", "upca", "code93"]
    assert _decode(manager) == []
    manager.post_json("/api/v1/store/barcode-formats", {"formats": ["databar"]})
    assert _decode(manager) == [("databar", "00614141999996")]


def test_pages_carry_the_setting_for_the_phone_scanner(manager):
    manager.post_json("/api/v1/store/barcode-formats", {"formats": ["upca", "pdf417"]})
    page = manager.get("/counting/").get_data(as_text=True)
    assert '<meta name="barcode-formats" content="upca,pdf417">' in page


def test_unknown_or_no_types_are_a_400_that_says_what_to_send(manager):
    response = manager.post_json("/api/v1/store/barcode-formats", {"formats": ["upca", "code11"]})
    assert response.status_code == 400
    assert "code11" in response.get_json()["error"]["message"]
    response = manager.post_json("/api/v1/store/barcode-formats", {"formats": []})
    assert response.status_code == 400
    response = manager.post_json("/api/v1/store/barcode-formats", {"formats": "upca"})
    assert response.status_code == 400
    assert manager.get("/api/v1/store/barcode-formats").get_json()["formats"][0] == "ean13"


def test_staff_may_not_change_the_setting(staff):
    response = staff.post_json("/api/v1/store/barcode-formats", {"formats": ["upca"]})
    assert response.status_code == 403
