"""ZPL II for a 2 x 1 inch shelf label at 203 dpi: name, price, and the item's barcode.

Field data goes through ``^FH`` hex escapes, so a name holding ``^`` or ``~`` (ZPL's command
characters) prints as text instead of being read as a command; ``^CI28`` reads it as UTF-8.
"""

from __future__ import annotations

from webapp.catalog.labels import bars

# Each symbology as a ZPL command: (command, whether the printer adds the check digit itself).
_COMMANDS = {
    "UPC-A": "^BUN,60,Y,N,Y",
    "EAN-13": "^BEN,60,Y,N",
    "EAN-8": "^B8N,60,Y,N",
    "ITF-14": "^B2N,60,Y,N,N",
    "Code 128": "^BCN,60,Y,N,N",
}


def field(text: str) -> str:
    """Text for ^FD after ^FH_: every character that ZPL could read as a command, hex-escaped."""
    out = []
    for ch in text:
        if ch in "^~_\\" or ord(ch) < 32:
            out.extend(f"_{b:02X}" for b in ch.encode())
        else:
            out.append(ch)
    return "".join(out)


def label(name: str, price: str, code: str | None) -> str:
    parts = [
        "^XA",
        "^CI28",
        "^PW406",
        "^LL203",
        f"^FO16,12^A0N,28,28^FB374,2,0,L^FH_^FD{field(name[:60])}^FS",
        f"^FO16,70^A0N,44,44^FH_^FD{field(price)}^FS",
    ]
    if code:
        b = bars(code)
        data = b.text[:-1] if b.symbology in ("UPC-A", "EAN-13", "EAN-8") else b.text
        parts.append(f"^FO180,70^BY2{_COMMANDS[b.symbology]}^FH_^FD{field(data)}^FS")
    parts.append("^XZ")
    return "\n".join(parts) + "\n"
