"""Charts drawn on the server as inline SVG: nothing to fetch from a CDN, nothing for the
phone to run, and they print.

Labels come from Clover and from users, so every piece of text goes through ``escape``.
The Content-Security-Policy forbids inline ``style=`` attributes: colour and strokes are
SVG presentation attributes or classes styled in app.css. Each chart scales to its
container through its ``viewBox`` and is 360 units wide, the narrowest phone we design for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 360
ROW = 34  # one horizontal bar: a label line above a 12-unit bar, readable at 360 px
PALETTE = ("#1f5f4a", "#c2410c", "#2563eb", "#a16207", "#7c3aed", "#0f766e", "#be123c", "#4b5563")


def _fmt_default(value: float) -> str:
    return f"{value:,.0f}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(height: int, title: str, body: list[str], kind: str) -> Markup:
    t = escape(title)
    # Every piece of text in `body` was escaped where it was made; the rest is our own markup.
    return Markup(  # noqa: S704
        f'<svg class="chart chart-{kind}" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{t}" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMin meet">'
        f"<title>{t}</title>{''.join(body)}</svg>"
    )


def _empty(title: str, kind: str) -> Markup:
    return _svg(48, title, ['<text class="chart-empty" x="180" y="28" text-anchor="middle">'
                            "Nothing to show for this choice.</text>"], kind)


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    note: str = ""  # printed after the value, e.g. the units behind a money figure
    text: str | None = None  # printed instead of value and note, when the value means nothing


def bar_chart(bars: Sequence[Bar], *, title: str, fmt: Callable[[float], str] = _fmt_default,
              colour: str = PALETTE[0]) -> Markup:
    """Horizontal bars, the label on its own line above each: long item names stay legible
    on a phone, where a vertical bar chart would need slanted labels. Negative values draw
    from the same origin in a second colour."""
    if not bars:
        return _empty(title, "bar")
    peak = max(abs(b.value) for b in bars) or 1
    height = 8 + ROW * len(bars)
    body = []
    for i, bar in enumerate(bars):
        y = 8 + i * ROW
        length = round((WIDTH - 130) * abs(bar.value) / peak, 1)  # room for the value after it
        fill = colour if bar.value >= 0 else PALETTE[1]
        text = bar.text if bar.text is not None else fmt(bar.value) + (f" {bar.note}" if bar.note else "")
        body.append(
            f'<g class="chart-row"><text class="chart-label" x="0" y="{y + 12}">'
            f'{escape(_clip(bar.label, 48))}</text>'
            f'<rect class="chart-bar" x="0" y="{y + 17}" width="{max(length, 1)}" height="13" '
            f'fill="{fill}"><title>{escape(bar.label)}: {escape(text)}</title></rect>'
            f'<text class="chart-value" x="{max(length, 1) + 4}" y="{y + 28}">{escape(text)}</text></g>'
        )
    return _svg(height, title, body, "bar")


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float | None]  # None: no data for that point (a gap, not a zero)


def line_chart(labels: Sequence[str], series: Sequence[Series], *, title: str,
               fmt: Callable[[float], str] = _fmt_default, y_min: float | None = None,
               y_max: float | None = None) -> Markup:
    """Lines over evenly spaced points with a dot on each value, for trends over a period."""
    present = [v for s in series for v in s.values if v is not None]
    if not labels or not present:
        return _empty(title, "line")
    low = min(present) if y_min is None else y_min
    high = max(present) if y_max is None else y_max
    if high == low:
        high = low + 1
    left, right, top, plot_h = 52, WIDTH - 8, 10, 150
    legend_h = 18 * len(series) if len(series) > 1 else 0
    height = top + plot_h + 34 + legend_h
    step = (right - left) / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return round(left + i * step, 1) if len(labels) > 1 else (left + right) / 2

    def y(v: float) -> float:
        return round(top + plot_h * (1 - (v - low) / (high - low)), 1)

    body = []
    for tick in (low, (low + high) / 2, high):
        body.append(f'<line class="chart-grid" x1="{left}" x2="{right}" y1="{y(tick)}" y2="{y(tick)}" '
                    f'stroke="#d4d4d4" stroke-width="1"/>'
                    f'<text class="chart-axis" x="{left - 4}" y="{y(tick) + 4}" text-anchor="end">'
                    f"{escape(fmt(tick))}</text>")
    every = max(1, -(-len(labels) // 6))  # at most ~6 x labels fit at 360 wide
    for i, label in enumerate(labels):
        if i % every == 0:
            body.append(f'<text class="chart-axis" x="{x(i)}" y="{top + plot_h + 16}" '
                        f'text-anchor="middle">{escape(_clip(label, 10))}</text>')
    for n, s in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        runs: list[list[tuple[float, float]]] = [[]]
        dots = []
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
                continue
            runs[-1].append((x(i), y(v)))
            dots.append(f'<circle class="chart-dot" cx="{x(i)}" cy="{y(v)}" r="3" fill="{colour}">'
                        f"<title>{escape(s.name)} {escape(labels[i])}: {escape(fmt(v))}</title></circle>")
        for run in runs:
            if len(run) > 1:
                pts = " ".join(f"{px},{py}" for px, py in run)
                body.append(f'<polyline class="chart-line" points="{pts}" fill="none" stroke="{colour}" '
                            f'stroke-width="2"/>')
        body.extend(dots)
        if legend_h:
            ly = top + plot_h + 30 + 18 * n
            body.append(f'<rect x="{left}" y="{ly}" width="12" height="12" fill="{colour}"/>'
                        f'<text class="chart-legend" x="{left + 18}" y="{ly + 10}">{escape(s.name)}</text>')
    return _svg(height, title, body, "line")
