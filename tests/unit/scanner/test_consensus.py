"""The consensus rule (scanner/consensus.py): what may be reported from the reads of all passes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scanner.codes import gtin_check_digit
from scanner.consensus import Read, settle, value_key

UPCA = "036000291452"
OTHER = "4006381333931"
# A linear code 200 px long, read on a line or two (unsure) or across a tall band (sure).
LINE = (100.0, 150.0, 300.0, 152.0)
BAND = (100.0, 120.0, 300.0, 190.0)


def read(text: str, box=LINE, *, fmt: str = "upca", engine: str = "zxing", look: str = "plain") -> Read:
    return Read(fmt, text, box, engine, look)


def values(reads: list[Read], *, final: bool = True) -> list[str]:
    return [c.best.text for c in settle(reads, final=final).choices]


def test_two_values_read_on_one_spot_give_nothing() -> None:
    reads = [read(UPCA), read(OTHER, (100, 160, 300, 162), fmt="ean13", look="blur")]
    verdict = settle(reads, final=True)
    assert verdict.choices == [] and verdict.conflicts == 1 and verdict.done


def test_votes_are_not_counted_a_conflict_stays_a_conflict() -> None:
    reads = [read(UPCA, look=look) for look in ("plain", "blur", "x1.5")]
    reads.append(read(OTHER, fmt="ean13", engine="zbar"))
    assert values(reads) == []


def test_a_sure_read_outranks_single_line_rivals_but_not_another_sure_read() -> None:
    misread = read(OTHER, fmt="ean13")
    assert values([misread, read(UPCA, BAND, look="blur")]) == [UPCA]
    assert values([read(OTHER, BAND, fmt="ean13"), read(UPCA, BAND, look="blur")]) == []


def test_a_value_with_a_failing_check_digit_is_dropped_before_anything_else() -> None:
    assert value_key(read("036000291453")) is None
    assert values([read("036000291453")]) == []
    # ...and so cannot conflict with the good read of the same spot.
    assert values([read("036000291453"), read(UPCA, look="blur")]) == [UPCA]


def test_every_spelling_of_one_gtin_is_one_value() -> None:
    reads = [read(UPCA), read("0" + UPCA, fmt="ean13", engine="zbar")]
    verdict = settle(reads, final=False)
    assert verdict.done and [c.best.text for c in verdict.choices] == [UPCA]


def test_a_lone_unsure_read_waits_for_the_passes_to_run_out() -> None:
    verdict = settle([read(UPCA)], final=False)
    assert verdict.choices == [] and not verdict.done
    assert values([read(UPCA)], final=True) == [UPCA]


def test_two_passes_over_the_same_pixels_are_one_look() -> None:
    assert not settle([read(UPCA), read(UPCA)], final=False).done
    assert settle([read(UPCA), read(UPCA, look="blur")], final=False).done
    assert settle([read(UPCA), read(UPCA, engine="zbar")], final=False).done


def test_a_matrix_code_or_a_many_line_read_is_sure_on_its_own() -> None:
    assert settle([read("SKU-1", (10, 10, 60, 60), fmt="qrcode")], final=False).done
    assert settle([read(UPCA, BAND)], final=False).done


def test_two_codes_one_above_the_other_are_two_spots() -> None:
    lower = (100.0, 260.0, 300.0, 262.0)  # 110 px below: beyond 0.15 of a 200 px code
    assert sorted(values([read(UPCA), read(OTHER, lower, fmt="ean13")])) == sorted([UPCA, OTHER])


def test_the_best_value_comes_first_agreed_before_lone() -> None:
    far = (100.0, 400.0, 300.0, 402.0)
    reads = [read(OTHER, far, fmt="ean13"), read(UPCA), read(UPCA, look="blur")]
    assert values(reads) == [UPCA, OTHER]


gtins = st.text("0123456789", min_size=11, max_size=11).map(lambda body: body + gtin_check_digit(body))
# Within 0.15 of the 200 px length of each other: one spot.
offsets = st.floats(min_value=-14, max_value=14)


@given(st.lists(gtins, min_size=2, max_size=5, unique=True), st.lists(offsets, min_size=5, max_size=5),
       st.lists(st.sampled_from(["plain", "blur", "x1.5"]), min_size=5, max_size=5))
def test_different_values_on_one_spot_never_yield_a_value(texts, dys, looks) -> None:
    spots = zip(texts, dys, looks, strict=False)
    reads = [read(t, (100, 150 + dy, 300, 152 + dy), look=look) for t, dy, look in spots]
    verdict = settle(reads, final=True)
    assert verdict.choices == []


@given(gtins, st.lists(st.sampled_from(["plain", "blur", "x1.5", "x1.5 sharp"]), min_size=1, max_size=4),
       st.sampled_from(["zxing", "zbar"]))
def test_agreeing_reads_of_one_value_always_yield_it_once(text, looks, engine) -> None:
    reads = [read(text, look=look, engine=engine) for look in looks]
    assert values(reads) == [text]


@given(st.lists(st.tuples(gtins, st.booleans()), min_size=1, max_size=6))
def test_whatever_is_reported_passed_its_check_digit(items) -> None:
    reads = []
    for i, (text, spoil) in enumerate(items):
        if spoil:
            text = text[:-1] + str((int(text[-1]) + 1) % 10)
        reads.append(read(text, (100, 150 + 300 * i, 300, 152 + 300 * i)))
    reported = values(reads)
    assert all(gtin_check_digit(t[:-1]) == t[-1] for t in reported)
    assert len(reported) == sum(not spoil for _, spoil in items) or len({t for t, _ in items}) < len(items)
