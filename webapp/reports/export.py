"""CSV exports, streamed, and safe to open in a spreadsheet.

In the store's own terms (Babel): times on the store's clock, as ISO 8601 with the store's UTC
offset ("2026-12-07T11:02:00-05:00": what the store's people read, and still one instant for a
machine); numbers without grouping, with the locale's decimal sign ("12.3" in en_US, "12,3" in
de_DE). Where the decimal sign is a comma, cells are separated by semicolons, as spreadsheets
in those locales expect.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from babel.dates import format_datetime
from babel.numbers import format_decimal, get_decimal_symbol
from flask import Response, stream_with_context

from webapp.display import zone
from webapp.quantity import DEFAULT_LOCALE, to_display

# A cell starting with one of these is a formula to Excel and LibreOffice; item names come
# from Clover and from users, so text cells are defused with a leading apostrophe.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value, locale: str = DEFAULT_LOCALE) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    if value is None:
        return ""
    if isinstance(value, Decimal | float) or (isinstance(value, int) and not isinstance(value, bool)):
        return number(value, locale)
    return value


def number(value, locale: str = DEFAULT_LOCALE) -> str:
    """12.3 -> "12.3" (en_US) or "12,3" (de_DE): the locale's decimal sign, no grouping."""
    return format_decimal(value, format="0.######", locale=locale)


def delimiter(locale: str = DEFAULT_LOCALE) -> str:
    return ";" if get_decimal_symbol(locale) == "," else ","


def when(value: datetime | None, tz: str | None) -> str:
    """A stored instant on the store's clock, ISO 8601 with its offset."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value, "yyyy-MM-dd'T'HH:mm:ssxxx", tzinfo=zone(tz), locale="en_US_POSIX")


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence], *,
                 locale: str = DEFAULT_LOCALE) -> Response:
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter(locale))
        writer.writerow(header)
        for row in rows:
            writer.writerow([cell(v, locale) for v in row])
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
