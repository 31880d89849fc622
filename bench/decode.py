"""How well and how fast scanner.decode reads labelled barcode photos.

Usage: .venv/bin/python bench/decode.py DATASET_DIR

DATASET_DIR holds one folder per symbology sample (e.g. ean13-1/) with NAME.png
images and NAME.txt expected texts beside them (the layout of
../shared/data/barcodes-real). For each decoder set-up it prints, per folder
and in total, how many images were read correctly, wrongly, or not at all, and
the mean and 95th-percentile time of the whole decode() call (opening the
image bytes, greying, shrinking, every pass). Reading the file from disk is
not timed. Each set-up decodes one image first, untimed, so a library's
one-off loading does not count against a single photo. Each image is decoded
--repeat times (default 3) and its median time is kept: one call's time on a
shared machine says more about the neighbours than about the decoder. For the
same reason the p95 of CPU time (this process's, which other processes cannot
inflate) is printed beside the wall-clock p95, with the load average.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner import (  # noqa: E402
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    InvalidCode,
    Symbol,
    available_engines,
    decode,
    to_gtin14,
)
from scanner.images import load_grey  # noqa: E402

# Upstream (ZXing's black-box tests) expects these blurred photos not to decode at all.
BLURRED = frozenset({"ean13-5", "upca-6"})

SETUPS: dict[str, Callable[[bytes], list[Symbol]]] = {
    "zxing": lambda data: decode(data, engines=("zxing",), retry=False),
    "zbar": lambda data: decode(data, engines=("zbar",), retry=False),
    "in turn": lambda data: decode(data, engines=("zxing", "zbar"), retry=False),
    "decode": decode,
}
SETUP_NOTES = {
    "zxing": "zxing-cpp alone, one pass (upright, dark on light)",
    "zbar": "pyzbar alone, one pass",
    "in turn": "zxing-cpp (one pass), then pyzbar if it found nothing; no retries",
    "decode": "production scanner.decode(): zxing passes under the consensus rule, zbar as a rescue",
}

RULES = """\
Comparison rules (README of the dataset):
  * correct = some decoded symbol equals the expected text; wrong = symbols decoded, none equal;
    none = nothing decoded.
  * When both sides are digits that form a GTIN, they are compared as GTIN-14
    (UPC-A 12 digits = zbar's 13-digit 0+UPC-A; UPC-E 8 digits = its 13-digit expansion).
  * Code 128 function characters (written 'o-acute' in expected texts, 0x1D when decoded) are ignored;
    CR LF and LF are the same line break.
  * Full-ASCII Code 39 must be decoded as full ASCII to count.
  * ean13-5 and upca-6 are badly blurred; upstream expects no decode there. They are scored by the
    same rule (none is none, not correct) and the totals are also shown without them.
"""


@dataclass
class Tally:
    correct: int = 0
    wrong: int = 0
    none: int = 0
    times_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.correct + self.wrong + self.none

    def add(self, outcome: str, ms: float, cpu_ms: float) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.times_ms.append(ms)
        self.cpu_ms.append(cpu_ms)

    def merge(self, other: Tally) -> None:
        self.correct += other.correct
        self.wrong += other.wrong
        self.none += other.none
        self.times_ms.extend(other.times_ms)
        self.cpu_ms.extend(other.cpu_ms)


def expected_format(folder: str) -> str | None:
    """The symbology a folder holds, as a Symbol.format hint for 8-digit codes."""
    return {"upce": "upce", "ean8": "ean8"}.get(folder.split("-")[0])


def comparable(text: str, fmt: str | None) -> str:
    text = text.replace("\u00f3", "").replace("\x1d", "").replace("\r\n", "\n")
    if text.isascii() and text.isdigit():
        try:
            return "gtin:" + to_gtin14(text, format=fmt)
        except InvalidCode:
            return text
    return text


def outcome(expected: str, folder: str, symbols: Sequence[Symbol]) -> str:
    if not symbols:
        return "none"
    want = comparable(expected, expected_format(folder))
    hits = (comparable(s.text, s.format) == want for s in symbols)
    return "correct" if any(hits) else "wrong"


def load_dataset(root: Path) -> list[tuple[str, str, bytes, str]]:
    items = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for image in sorted(folder.glob("*.png")):
            expected = image.with_suffix(".txt").read_text(encoding="utf-8")
            items.append((folder.name, image.name, image.read_bytes(), expected))
    return items


def run(
    setup: Callable[[bytes], list[Symbol]], items: list[tuple[str, str, bytes, str]], repeat: int
) -> dict[str, Tally]:
    setup(items[0][2])
    tallies: dict[str, Tally] = {}
    for folder, _name, data, expected in items:
        times, cpu = [], []
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            symbols = setup(data)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        tally = tallies.setdefault(folder, Tally())
        tally.add(outcome(expected, folder, symbols), statistics.median(times), statistics.median(cpu))
    return tallies


def loading_line(items: list[tuple[str, str, bytes, str]], repeat: int) -> str:
    """The CPU p95 of opening, greying and shrinking alone: the part of each call no pass changes."""
    cpu = []
    for _folder, _name, data, _expected in items:
        runs = []
        for _ in range(repeat):
            start = time.process_time()
            load_grey(data, max_bytes=DEFAULT_MAX_BYTES, max_pixels=DEFAULT_MAX_PIXELS)
            runs.append((time.process_time() - start) * 1000)
        cpu.append(statistics.median(runs))
    return (f"Of which loading the PNG alone (no decoding): cpu mean {statistics.mean(cpu):.1f} ms, "
            f"p95 {p95(cpu):.1f} ms.\n")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def row(label: str, tally: Tally) -> str:
    n = tally.count

    def pct(k: int) -> str:
        return f"{100 * k / n:5.1f}%"

    return (
        f"{label:<22} {n:>4}  {tally.correct:>4} {pct(tally.correct)}  {tally.wrong:>4} {pct(tally.wrong)}"
        f"  {tally.none:>4} {pct(tally.none)}"
        f"  {statistics.mean(tally.times_ms):7.1f} {p95(tally.times_ms):7.1f} {p95(tally.cpu_ms):7.1f}"
    )


HEADER = (
    f"{'folder':<22} {'n':>4}  {'correct':>11}  {'wrong':>11}  {'none':>11}"
    f"  {'mean ms':>7} {'p95 ms':>7} {'cpu p95':>7}"
)


def totals(tallies: dict[str, Tally]) -> dict[str, Tally]:
    out = {"TOTAL": Tally(), "TOTAL without blurred": Tally(), "blurred only": Tally()}
    for folder, tally in tallies.items():
        out["TOTAL"].merge(tally)
        out["blurred only" if folder in BLURRED else "TOTAL without blurred"].merge(tally)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path, help="folder of <symbology>-<n>/NAME.png + NAME.txt")
    parser.add_argument("--repeat", type=int, default=3, help="decodes per image; the median time is kept")
    parser.add_argument("--setup", action="append", choices=list(SETUPS),
                        help="run only this set-up (repeatable); default all")
    args = parser.parse_args(argv)
    items = load_dataset(args.dataset)
    if not items:
        parser.error(f"no labelled images under {args.dataset}")
    print(
        f"Dataset: {args.dataset} ({len(items)} images); engines available: {', '.join(available_engines())}"
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Times: median of {args.repeat} runs per image; load average {load} on {os.cpu_count()} CPUs.")
    print(RULES)
    summary: dict[str, dict[str, Tally]] = {}
    for name, setup in SETUPS.items():
        if args.setup and name not in args.setup:
            continue
        if name == "zbar" and "zbar" not in available_engines():
            print("zbar: skipped, libzbar0 is not installed\n")
            continue
        tallies = run(setup, items, args.repeat)
        summary[name] = totals(tallies)
        print(f"== {name}: {SETUP_NOTES[name]}")
        print(HEADER)
        for folder, tally in tallies.items():
            print(row(folder + (" (blurred)" if folder in BLURRED else ""), tally))
        for label, tally in summary[name].items():
            print(row(label, tally))
        print()
    print(loading_line(items, args.repeat))
    print("== summary")
    print(f"{'set-up':<10} {HEADER}")
    for name, rows in summary.items():
        for label, tally in rows.items():
            print(f"{name:<10} {row(label, tally)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
