"""CSV exports, streamed, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from flask import Response, stream_with_context

from webapp.quantity import to_display

# A cell starting with one of these is a formula to Excel and LibreOffice; item names come
# from Clover and from users, so text cells are defused with a leading apostrophe.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    if value is None:
        return ""
    return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow([cell(v) for v in row])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


def cents(value: int) -> Decimal:
    """Money in a CSV as a plain decimal (12.30) that a spreadsheet sums exactly."""
    return Decimal(value).scaleb(-2)


def quantity(value: int, measure: str) -> Decimal | int:
    return to_display(value, measure)
