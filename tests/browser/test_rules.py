"""static/js/rules.js answers as the server's rules do, on the same cases (as test_codes.py does
for codes.js): what a phone shows offline is what the server will record."""

import random

from webapp.quantity import plain_quantity
from webapp.receiving import rules


def _phone(page, script: str, cases: list):
    page.goto("/offline")
    return page.evaluate(f"""async (cases) => {{
        const rules = await import('/static/js/rules.js');
        return cases.map(({script}));
    }}""", cases)


def test_the_phone_writes_quantities_as_the_server_does(page):
    rng = random.Random(20261207)
    cases = [[b, m] for b in (0, 1, -1, 5, 10, 100, 999, 1000, 2500, -2500, 123456789, 10**9)
             for m in ("each", "weight")]
    cases += [[rng.randint(-10**9, 10**9), rng.choice(["each", "weight"])] for _ in range(500)]
    phone = _phone(page, "([base, measure]) => rules.qtyText(base, measure)", cases)
    server = [plain_quantity(base, measure) for base, measure in cases]
    assert [(c, p, s) for c, p, s in zip(cases, phone, server, strict=True) if p != s] == []


def test_the_phone_counts_a_scan_of_a_pack_or_a_labelled_case_as_the_server_does(page):
    rng = random.Random(20261208)
    cases = [[pack, count] for pack in (1, 6, 12, 24) for count in (None, 1, 2, 37)]
    cases += [[rng.randint(1, 1000), rng.choice([None, rng.randint(1, 9999)])] for _ in range(300)]
    phone = _phone(page, "([pack, count]) => rules.scanQuantity(pack, count)", cases)
    server = [rules.scan_quantity(pack, count) for pack, count in cases]
    assert [(c, p, s) for c, p, s in zip(cases, phone, server, strict=True) if p != s] == []


def test_the_phone_says_what_a_po_line_still_waits_for_and_how_far_over_it_is_as_the_server_does(page):
    rng = random.Random(20261209)
    cases = []
    for _ in range(400):
        delivered = rng.randint(0, 60)
        cases.append({"onPo": rng.random() < 0.8, "due": rng.randint(0, 48), "received": delivered,
                      "damaged": rng.randint(0, delivered)})
    phone = _phone(page, "(line) => [rules.remaining(line), rules.over(line)]", cases)
    server = []
    for line in cases:
        tally = rules.Tally(item_id=1, on_po=line["onPo"], ordered=line["due"], due=line["due"],
                            delivered=line["received"], damaged=line["damaged"])
        server.append([tally.remaining, tally.over])
    assert [(c, p, s) for c, p, s in zip(cases, phone, server, strict=True) if p != s] == []
