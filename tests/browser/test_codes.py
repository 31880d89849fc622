"""static/js/codes.js gives the same GTIN-14 as the server's scanner.codes for digit codes."""

import random

from scanner.codes import gtin_check_digit, normalise

# Barcode Detection API format names -> scanner.codes format hints.
HINTS = {None: None, "ean_13": "ean13", "ean_8": "ean8", "upc_a": "upca", "upc_e": "upce", "itf": "itf",
         "code_128": None}


def _cases() -> list[tuple[str, str | None]]:
    rng = random.Random(20261128)
    cases = [
        ("036000291452", None), ("0036000291452", "ean_13"), ("4006381333931", None),
        ("96385074", None), ("96385074", "ean_8"), ("01234565", None), ("01234565", "upc_e"),
        ("01234565", "ean_8"), ("123456", "upc_e"), ("0123456", "upc_e"), ("1234565", "upc_e"),
        ("123456", None), ("14006381333938", "itf"), ("4006381333932", None), ("ABC-123", "code_128"),
        (" 036000291452\n", None), ("", None), ("23456781", "upc_e"),
    ]
    for _ in range(300):
        length = rng.choice([6, 7, 8, 8, 12, 13, 14])
        body = "".join(rng.choice("0123456789") for _ in range(length - 1))
        if length == 8 and rng.random() < 0.5:
            body = rng.choice("01") + body[1:]
        text = body + gtin_check_digit(body) if rng.random() < 0.8 else body + rng.choice("0123456789")
        cases.append((text, rng.choice(list(HINTS))))
    return cases


def test_the_phone_normalises_codes_exactly_as_the_server_does(page):
    cases = _cases()
    page.goto("/offline")
    phone = page.evaluate("""async (cases) => {
        const codes = await import('/static/js/codes.js');
        return cases.map(([text, format]) => codes.normalise(text, format).gtin14);
    }""", cases)
    server = [normalise(text, HINTS[fmt]).gtin14 if text.strip() else None for text, fmt in cases]
    mismatches = [(c, p, s) for c, p, s in zip(cases, phone, server, strict=True) if p != s]
    assert mismatches == []
