"""Barcodes drawn as SVG for the printable /labels page.

python-barcode does the symbology (check digits, parity patterns, guard bars); we draw its
module string ourselves as one <path> with presentation attributes. Its own SVGWriter puts
`style="..."` on every element, which our Content-Security-Policy (style-src 'self', no
'unsafe-inline') would refuse to apply inline, and the bars would not show. Drawing inline
keeps the policy strict and prints every label from one request; the page works offline
once loaded and needs no image endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import barcode
from markupsafe import Markup

# viewBox units are modules; CSS sets the real width. Short codes get bars half as tall as
# they are wide; a long ITF-14 (shown twice as wide) stops at the height of an EAN-13's bars
# at that width, as GS1 case labels do, so a sheet of cases does not run to many pages.
BAR_HEIGHT_RATIO = 0.5
MAX_BAR_HEIGHT = 80
TEXT_RATIO = 0.094
MAX_TEXT = 14


@dataclass(frozen=True)
class Bars:
    symbology: str  # "UPC-A", "EAN-13", "EAN-8", "ITF-14", "Code 128"
    modules: str  # "1" bar, "0" space, one character per module
    text: str  # human-readable line under the bars
    quiet: int  # modules of white each side, as the symbology requires


def bars(code: str) -> Bars:
    """The symbology a retail scanner expects for `code`, and its modules."""
    digits = code.isascii() and code.isdigit()
    if digits and len(code) == 13 and code.startswith("0"):
        code = code[1:]  # an EAN-13 led by 0 is a UPC-A: print it as US shelves do
    if digits and len(code) == 12:
        return Bars("UPC-A", _build("upca", code), code, 9)
    if digits and len(code) == 13:
        return Bars("EAN-13", _build("ean13", code), code, 11)
    if digits and len(code) == 8:
        # Could be UPC-E as well; python-barcode has no UPC-E, and EAN-8 of the same digits
        # is what our normalisation reads back for a non-UPC-E code.
        return Bars("EAN-8", _build("ean8", code), code, 7)
    if digits and len(code) == 14:
        # ITF-14 is what case labels carry; python-barcode draws a narrow bar as 2 modules.
        return Bars("ITF-14", _build("itf", code), code, 20)
    return Bars("Code 128", _build("code128", code), code, 10)


def _build(kind: str, code: str) -> str:
    symbol = barcode.get(kind, code)
    modules = symbol.build()[0]
    # EAN/UPC mark guard bars "G" so writers can draw them longer; for us they are bars.
    return modules.replace("G", "1")


def svg(code: str, *, label: str | None = None) -> Markup:
    """Inline <svg> for `code`: bars as a single path, the digits underneath."""
    b = bars(code)
    width = len(b.modules) + 2 * b.quiet
    bar_height = min(MAX_BAR_HEIGHT, round(width * BAR_HEIGHT_RATIO))
    text_size = min(MAX_TEXT, max(8, round(width * TEXT_RATIO)))
    height = bar_height + text_size + text_size // 3
    path = []
    x = b.quiet
    run = 0
    for i, module in enumerate(b.modules + "0"):
        if module == "1":
            run += 1
            continue
        if run:
            start = x + i - run
            path.append(f"M{start} 0h{run}v{bar_height}h-{run}z")
            run = 0
    # Markup.format escapes every argument, so item names and Code 128 text stay text.
    template = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="barcode" viewBox="0 0 {w} {h}" '
        'role="img" aria-label="{title}" shape-rendering="crispEdges">'
        '<rect width="{w}" height="{h}" fill="#fff"/>'
        '<path d="{path}" fill="#000"/>'
        '<text x="{mid}" y="{text_y}" font-size="{size}" font-family="monospace" '
        'text-anchor="middle" fill="#000">{text}</text></svg>'
    )
    return template.format(
        w=width, h=height, title=label or f"{b.symbology} {b.text}", path="".join(path),
        mid=f"{width / 2:g}", text_y=height - text_size // 4, size=text_size, text=b.text,
    )
