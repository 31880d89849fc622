"""Which of the values that decoder passes read from one photo are to be believed.

A wrong value is worse than none: it counts the wrong item. Every pass of
``scanner.decode`` adds its reads here, and ``settle`` says what may be
reported. The rule (bench/README.md states it with the figures):

1. **Checksum first.** A read whose symbology carries a check digit that does
   not hold (a GTIN's mod-10) is dropped before anything else.
2. **One spot, one value.** Reads are grouped by where they lie: boxes that
   overlap along the symbol's length and lie within a band across it (a
   linear decoder reports the scan lines it used, not the symbol's height).
   A spot where two different values were read gives nothing at all, however
   many passes voted for either: one misread of a spot means the others may
   be misreads too, and a person re-scanning costs seconds where a wrong
   count costs a stock-take. Votes are not counted; the one exception is a
   spot where exactly one value was read *sure* (rule 3) and every rival
   only on a line or two: the decoder's own many-line check outranks a
   single-line read (the misreads seen on real photos are all single-line).
   Two sure values that disagree still give nothing.
3. **Sure, or agreed, or alone.** A value is *sure* when the decoder itself
   checked it over many lines or by error correction (a 2D code; a linear
   code read consistently across a band of at least a tenth of its length),
   and *agreed* when two independent looks at the photo read it: a different
   engine or a differently processed image (two zxing passes over the same
   pixels are one look). Decoding stops as soon as every spot is sure,
   agreed or in conflict. When the passes run out, a value read once that
   stands alone in its spot is reported too.
4. **Best first.** Values are ordered sure and agreed first, then by how many
   looks read them, then by size in the photo, so a client that takes the
   first symbol takes the best one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.codes import InvalidCode, to_gtin14

__all__ = ["MATRIX_FORMATS", "Choice", "Read", "Verdict", "value_key", "settle"]

# Symbologies with Reed-Solomon error correction: a decoded value has already been checked.
MATRIX_FORMATS = frozenset({
    "qrcode", "gs1_qrcode", "datamatrix", "gs1_datamatrix", "pdf417", "aztec",
})
_GTIN_FORMATS = frozenset({"ean13", "ean8", "upca", "upce"})
# A linear read whose band of agreeing scan lines is at least this fraction of its length.
# On the developer half of the photos every misread of the first two passes was a line or
# two thick (under 0.08 of the length). A sharpened, upscaled copy once misread across 0.37:
# one reason those copies are only rescues (scanner/decode.py).
SURE_BAND = 0.1
# How far across a linear symbol another read may lie and still be of the same symbol,
# as a fraction of its length (an EAN-13's bars are about 0.7 of its length; the band
# is kept smaller so that two codes printed one above the other stay two spots).
ACROSS = 0.15
# How much two reads must overlap along their length to be of one symbol.
ALONG = 0.5


@dataclass(frozen=True)
class Read:
    """One value one pass read, with its box (x0, y0, x1, y1) in the working image's pixels."""

    format: str
    text: str
    box: tuple[float, float, float, float]
    engine: str
    look: str  # what the pass did to the pixels ("plain", "x1.5", "blur"...)

    @property
    def matrix(self) -> bool:
        return self.format in MATRIX_FORMATS

    @property
    def sure(self) -> bool:
        if self.matrix:
            return True
        # zbar's box spans every scan line that produced any read, not only agreeing ones.
        if self.engine != "zxing":
            return False
        width, height = self.box[2] - self.box[0], self.box[3] - self.box[1]
        length, band = max(width, height), min(width, height)
        return length > 0 and band >= SURE_BAND * length


def value_key(read: Read) -> str | None:
    """What two reads must share to be the same value; None when a check digit fails.

    Every spelling of one GTIN (UPC-A, EAN-13 with a leading 0, UPC-E, ITF-14)
    shares a key; other values are compared as text.
    """
    if read.format in _GTIN_FORMATS or (read.format == "itf" and len(read.text) == 14):
        try:
            return "gtin:" + to_gtin14(read.text, format=read.format if read.format != "itf" else None)
        except InvalidCode:
            return None
    return f"text:{read.text}"


def same_spot(a: Read, b: Read) -> bool:
    """True when two reads lie on one symbol (see the module docstring, rule 2)."""
    if a.matrix or b.matrix:
        return _overlap(_grow(a.box, 0.1), _grow(b.box, 0.1), 0.0)
    a_along_x = _along_x(a)
    if a_along_x != _along_x(b):
        # One read runs across the other: the same spot only if the boxes cross.
        return _overlap(a.box, b.box, 0.0)
    axis = 0 if a_along_x else 1
    a_len = a.box[axis + 2] - a.box[axis]
    b_len = b.box[axis + 2] - b.box[axis]
    shared = min(a.box[axis + 2], b.box[axis + 2]) - max(a.box[axis], b.box[axis])
    if shared < ALONG * min(a_len, b_len):
        return False
    across = 1 - axis
    reach = ACROSS * max(a_len, b_len)
    return (
        a.box[across] - reach <= b.box[across + 2]
        and b.box[across] - reach <= a.box[across + 2]
    )


def _along_x(read: Read) -> bool:
    return read.box[2] - read.box[0] >= read.box[3] - read.box[1]


def _grow(box: tuple[float, float, float, float], by: float) -> tuple[float, float, float, float]:
    dx, dy = (box[2] - box[0]) * by, (box[3] - box[1]) * by
    return (box[0] - dx, box[1] - dy, box[2] + dx, box[3] + dy)


def _overlap(a: tuple[float, ...], b: tuple[float, ...], margin: float) -> bool:
    return a[0] - margin <= b[2] and b[0] - margin <= a[2] and a[1] - margin <= b[3] and b[1] - margin <= a[3]


@dataclass
class Choice:
    """A value the rule lets through, with every read of it."""

    key: str
    reads: list[Read] = field(default_factory=list)

    @property
    def looks(self) -> int:
        return len({(r.engine, r.look) for r in self.reads})

    @property
    def sure(self) -> bool:
        return any(r.sure for r in self.reads)

    @property
    def settled(self) -> bool:
        return self.sure or self.looks >= 2

    @property
    def best(self) -> Read:
        """The read that names the value: the most frequent spelling, first seen on a tie."""
        spellings = [(r.format, r.text) for r in self.reads]
        top = max(spellings, key=spellings.count)
        return next(r for r in self.reads if (r.format, r.text) == top)

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (
            min(r.box[0] for r in self.reads),
            min(r.box[1] for r in self.reads),
            max(r.box[2] for r in self.reads),
            max(r.box[3] for r in self.reads),
        )

    def rank(self) -> tuple[int, int, float]:
        x0, y0, x1, y1 = self.box
        return (int(self.settled), self.looks, (x1 - x0) * (y1 - y0))


@dataclass(frozen=True)
class Verdict:
    """``choices`` may be reported, best first; ``done`` says no further pass can change them."""

    choices: list[Choice]
    done: bool
    conflicts: int


def settle(reads: list[Read], *, final: bool) -> Verdict:
    """Apply the rule to every read so far; ``final`` when no pass is left to run."""
    valid = [(r, k) for r in reads if (k := value_key(r)) is not None]
    spots = _spots([r for r, _ in valid])
    by_key: dict[str, Choice] = {}
    open_spot = False
    conflicts = 0
    for members in spots:
        keys = {valid[i][1] for i in members}
        if len(keys) > 1:
            key = _dominant(valid, members)
            if key is None:
                conflicts += 1
                continue
            members = [i for i in members if valid[i][1] == key]
        else:
            key = keys.pop()
        choice = by_key.setdefault(key, Choice(key))
        choice.reads.extend(valid[i][0] for i in members)
    choices = sorted(by_key.values(), key=lambda c: c.rank(), reverse=True)
    open_spot = any(not c.settled for c in choices)
    done = final or (bool(spots) and not open_spot)
    if not final:
        choices = [c for c in choices if c.settled]
    return Verdict(choices, done, conflicts)


def _dominant(valid: list[tuple[Read, str]], members: list[int]) -> str | None:
    """The one value of a disputed spot that was read *sure*, when every rival was a guess."""
    sure = {valid[i][1] for i in members if valid[i][0].sure}
    return sure.pop() if len(sure) == 1 else None


def _spots(reads: list[Read]) -> list[list[int]]:
    """Groups of read indexes that lie on one spot (transitively), in order of first read."""
    parent = list(range(len(reads)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(reads)):
        for j in range(i):
            if same_spot(reads[i], reads[j]):
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(reads)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())
