"""static/js/pick.js: the phone takes the best symbol of a frame, and nothing when one spot reads two ways."""

PICK = """async (frames) => {
    const { pickBest } = await import('/static/js/pick.js');
    return frames.map((found) => { const best = pickBest(found); return best ? best.rawValue : null; });
}"""


def box(x, y, w, h):
    return {"x": x, "y": y, "width": w, "height": h}


def test_the_phone_picks_the_best_symbol_not_the_first(page):
    page.goto("/offline")
    frames = [
        # A misread EAN-13 and the right UPC-A of one label: conflicting reads give nothing.
        [{"rawValue": "9074932437075", "format": "ean_13", "boundingBox": box(147, 194, 193, 2)},
         {"rawValue": "023942431015", "format": "upc_a", "boundingBox": box(146, 104, 196, 115)}],
        # A failing check digit is dropped; what is left is taken.
        [{"rawValue": "036000291453", "format": "upc_a", "boundingBox": box(0, 0, 200, 80)},
         {"rawValue": "4006381333931", "format": "ean_13", "boundingBox": box(400, 300, 150, 60)}],
        # Two codes apart: the bigger one (the code the phone is pointed at) first, whatever the order.
        [{"rawValue": "96385074", "format": "ean_8", "boundingBox": box(0, 0, 60, 30)},
         {"rawValue": "036000291452", "format": "upc_a", "boundingBox": box(200, 200, 300, 120)}],
        # The same value twice at one spot (the ean_13 spelling of a UPC-A) is no conflict: the
        # bigger read is taken.
        [{"rawValue": "0036000291452", "format": "ean_13", "boundingBox": box(10, 10, 300, 4)},
         {"rawValue": "036000291452", "format": "upc_a", "boundingBox": box(10, 20, 300, 90)}],
        # Store codes without a check digit are taken as read.
        [{"rawValue": "SKU-1234", "format": "code_39", "boundingBox": box(0, 0, 100, 40)}],
        [],
    ]
    assert page.evaluate(PICK, frames) == [None, "4006381333931", "036000291452", "036000291452",
                                           "SKU-1234", None]
