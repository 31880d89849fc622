"""/labels: barcodes drawn server-side that a phone can scan off the screen or the paper."""

import io

import pytest
from PIL import Image, ImageDraw

from scanner.decode import decode
from webapp.catalog.labels import bars, svg


def _png(code: str, scale: int = 3) -> bytes:
    """Draw the same modules the SVG draws, as a PNG the server-side decoder can read."""
    b = bars(code)
    image = Image.new("L", ((len(b.modules) + 2 * b.quiet) * scale, 160), 255)
    draw = ImageDraw.Draw(image)
    for i, module in enumerate(b.modules):
        if module == "1":
            x = (b.quiet + i) * scale
            draw.rectangle([x, 10, x + scale - 1, 150], fill=0)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("code", "symbology", "read_back"),
    [
        ("036000291452", "UPC-A", "036000291452"),
        ("0036000291452", "UPC-A", "036000291452"),  # a 0-led EAN-13 prints as the UPC-A it is
        ("4006381333931", "EAN-13", "4006381333931"),
        ("96385074", "EAN-8", "96385074"),
        ("10036000291459", "ITF-14", "10036000291459"),
        ("4011", "Code 128", "4011"),
        ("SKU-42", "Code 128", "SKU-42"),
    ],
)
def test_each_symbology_we_draw_decodes_back_to_its_code(code, symbology, read_back):
    assert bars(code).symbology == symbology
    assert [s.text for s in decode(_png(code))] == [read_back]


def test_the_svg_has_no_style_attributes_and_escapes_its_text():
    image = str(svg("<b>&", label='x" onload="alert(1)'))
    assert image.startswith("<svg") and "style=" not in image
    assert "<b>" not in image and 'x" onload' not in image


def test_staff_see_every_active_items_barcodes_with_name_and_price(login_as, make_item):
    make_item("Cola 12 oz", price_cents=109, barcodes=[("036000291452", 1), ("10036000291459", 24)])
    make_item("Bananas", price_cents=69, measure="weight", unit_name="lb", barcodes=[("4011", 1)])
    make_item("Old stock", active=False)
    page = login_as("staff").get("/labels").get_data(as_text=True)
    assert page.count("<svg") == 3
    assert "Cola 12 oz" in page and "$1.09" in page and "Case of 24" in page and "$0.69/lb" in page
    assert "Old stock" not in page
    assert 'style="' not in page


def test_labels_show_only_this_stores_items(login_as, make_item, other_store_manager):
    make_item("Cola 12 oz")
    page = login_as(user=other_store_manager).get("/labels").get_data(as_text=True)
    assert "Cola 12 oz" not in page and "<svg" not in page
