"""The dashboard and the reports: each a page with a chart, and its CSV export. Managers and up."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from webapp.alerts import rules as alert_rules
from webapp.auth.decorators import role_required
from webapp.errors import DomainError
from webapp.inventory import live
from webapp.quantity import money_text
from webapp.reports import accuracy as accuracy_report
from webapp.reports import calc, charts, coverage, export, filters, ledger_view
from webapp.reports import dashboard as dashboard_report
from webapp.reports import shrink as shrink_report
from webapp.reports import valuation as valuation_report
from webapp.types import utcnow

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.app_template_filter("span")
def _span(delta: timedelta | None) -> str:
    """A duration as a person says it: 40 s, 12 min, 3 h, 2 d."""
    if delta is None:
        return "—"
    seconds = int(delta.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{sign}{seconds // size} {unit}"
    return f"{sign}{seconds} s"


@bp.app_template_filter("ago")
def _ago(when: datetime | None) -> str:
    return "never" if when is None else f"{_span(utcnow() - when)} ago"


@bp.app_template_global()
def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def _money_fmt(currency: str):
    return lambda v: money_text(int(v), currency)


def _page(template: str, f: filters.Filter, **context):
    return render_template(template, f=f, calc=calc, choices=filters.choices(f),
                           stores=filters.visible_stores(current_user), **context)


def low_bar(row: dict) -> charts.Bar:
    """A low item's bar is as long as it is urgent, 1 / (1 + days of cover): out of stock is a
    full bar, a day's cover half, a week's an eighth; the text says the cover itself. No
    recent sales: the cover is unknown, not zero days, and the bar is none."""
    cover = row["cover_days"]
    if cover is None:
        return charts.Bar(row["item"], 0.0, text=f"no recent sales ({row['level']} left)")
    return charts.Bar(row["item"], 1 / (1 + float(cover)), text=f"{float(cover):.1f} d ({row['level']} left)")


@bp.get("/")
@role_required("manager")
def dashboard():
    f = filters.parse(request.args, current_user)
    return live.conditional(dashboard_report.version(f.store_id), lambda tag: _dashboard(f, tag))


def _dashboard(f: filters.Filter, live_etag: str):
    board = dashboard_report.dashboard(f.store_id, utcnow())
    chart = charts.bar_chart([low_bar(row) for row in board.low[:10]],
                             title="Running low, most urgent first: the longer the bar, the sooner "
                                   "it runs out")
    return _page("reports/dashboard.html", f, board=board, chart=chart, rules=alert_rules,
                 live_etag=live_etag)


def _at(f: filters.Filter):
    """The valuation date: the end of that store day, or now when it is today or not given."""
    raw = request.args.get("at")
    if not raw:
        return None, None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise DomainError("bad_date", "Give the date as YYYY-MM-DD.", "at") from None
    if day >= calc.local_today(utcnow(), f.tz):
        return None, day
    return calc.day_bounds(day, f.tz)[1], day


@bp.get("/valuation")
@role_required("manager")
def valuation():
    f = filters.parse(request.args, current_user)
    at, day = _at(f)
    result = valuation_report.valuation(f, at, row_limit=100)
    fmt = _money_fmt(f.currency)
    by_category = charts.bar_chart([charts.Bar(g.name, g.value_cents) for g in result.by_category[:12]],
                                   title="Inventory value by category", fmt=fmt)
    by_location = charts.bar_chart([charts.Bar(g.name, g.value_cents) for g in result.by_location[:12]],
                                   title="Inventory value by location", fmt=fmt, colour=charts.PALETTE[2])
    return _page("reports/valuation.html", f, result=result, day=day, by_category=by_category,
                 by_location=by_location, rows=result.rows)


@bp.get("/valuation.csv")
@role_required("manager")
def valuation_csv():
    f = filters.parse(request.args, current_user)
    at, day = _at(f)
    result = valuation_report.valuation(f, at)
    return export.csv_response(
        f"valuation-{(day or calc.local_today(utcnow(), f.tz)).isoformat()}.csv",
        ["item_id", "item", "sku", "category", "location", "quantity", "unit_cost", "value"],
        ([r["item_id"], r["item"], r["sku"], r["category"], r["location"],
          export.quantity(r["quantity"], r["measure"]), export.cents(r["cost_cents"]),
          export.cents(r["value_cents"])] for r in result.rows), locale=f.locale)


def _labels(spans) -> list[str]:
    return [first.strftime("%b %d") for first, _ in spans]


@bp.get("/shrink")
@role_required("manager")
def shrink():
    f = filters.parse(request.args, current_user)
    result = shrink_report.shrink(f, with_rows=False)
    fmt = _money_fmt(f.currency)
    by_reason = charts.bar_chart(
        [charts.Bar(r.reason, r.value_cents, f"({r.units} units)" if r.units else "")
         for r in result.by_reason],
        title="Shrink by reason", fmt=fmt, colour=charts.PALETTE[1])
    trend = charts.line_chart(_labels(result.buckets),
                              [charts.Series("Shrink", [v / 1 for v in result.trend_cents])],
                              title="Shrink over the period", fmt=fmt, y_min=0)
    return _page("reports/shrink.html", f, result=result, by_reason=by_reason, trend=trend)


@bp.get("/shrink.csv")
@role_required("manager")
def shrink_csv():
    f = filters.parse(request.args, current_user)
    result = shrink_report.shrink(f)
    return export.csv_response(
        f"shrink-{f.start}-{f.end}.csv",
        ["occurred_at", "item_id", "item", "category", "reason", "quantity_lost", "value"],
        ([export.when(r["when"], f.tz), r["item_id"], r["item"], r["category"], r["reason"],
          export.quantity(r["quantity"], r["measure"]), export.cents(r["value_cents"])] for r in result.rows),
        locale=f.locale)


def _tolerance() -> int | None:
    raw = request.args.get("tolerance", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise DomainError("bad_number", "The tolerance is a whole number of units.", "tolerance")
    return int(raw)


@bp.get("/accuracy")
@role_required("manager")
def accuracy():
    f = filters.parse(request.args, current_user, default_days=90)
    result = accuracy_report.accuracy(f, _tolerance(), row_limit=100)
    trend = charts.line_chart(
        _labels(result.buckets),
        [charts.Series("IRA", [float(a.share) * 100 if a.share is not None else None for a in result.trend])],
        title="Inventory record accuracy over time", fmt=lambda v: f"{v:.0f}%", y_min=0, y_max=100)
    by_category = charts.bar_chart(
        [charts.Bar(name, float(a.share) * 100, f"({a.accurate}/{a.counted})")
         for name, a in result.by_category if a.share is not None],
        title="Accuracy by category", fmt=lambda v: f"{v:.0f}%", colour=charts.PALETTE[2])
    return _page("reports/accuracy.html", f, result=result, trend=trend, by_category=by_category,
                 rows=result.rows[::-1])


@bp.get("/accuracy.csv")
@role_required("manager")
def accuracy_csv():
    f = filters.parse(request.args, current_user, default_days=90)
    result = accuracy_report.accuracy(f, _tolerance())
    return export.csv_response(
        f"accuracy-{f.start}-{f.end}.csv",
        ["counted_at", "item_id", "item", "category", "location", "counted", "expected", "variance",
         "within_tolerance"],
        ([export.when(r["when"], f.tz), r["item_id"], r["item"], r["category"], r["location"],
          export.quantity(r["counted"], r["measure"]), export.quantity(r["expected"], r["measure"]),
          export.quantity(r["variance"], r["measure"]), "yes" if r["accurate"] else "no"]
         for r in result.rows), locale=f.locale)


@bp.get("/coverage")
@role_required("manager")
def audit_coverage():
    f = filters.parse(request.args, current_user)
    result = coverage.coverage(f)
    chart = charts.bar_chart(
        [charts.Bar(f"Class {name}: {total} items", due, "due")
         for name, (total, due) in result.by_class.items()],
        title="Items due a count, by ABC class", colour=charts.PALETTE[3])
    return _page("reports/coverage.html", f, result=result, chart=chart)


@bp.get("/coverage.csv")
@role_required("manager")
def audit_coverage_csv():
    f = filters.parse(request.args, current_user)
    result = coverage.coverage(f, limit=100_000)
    return export.csv_response(
        "cycle-count-list.csv",
        ["item_id", "item", "category", "abc_class", "last_counted_at", "overdue_days"],
        ([r["item_id"], r["item"], r["category"], r["abc"],
          export.when(r["last_counted_at"], f.tz) if r["last_counted_at"] else "never", r["overdue_days"]]
         for r in result.suggested), locale=f.locale)


@bp.get("/ledger")
@role_required("manager")
def ledger():
    f = filters.parse(request.args, current_user, default_days=7)
    kind = request.args.get("kind") or None
    offset = request.args.get("offset", "0")
    result = ledger_view.page(f, kind, int(offset) if offset.isdigit() else 0)
    chart = charts.bar_chart([charts.Bar(k, n) for k, n in result.by_kind], title="Events by kind",
                             colour=charts.PALETTE[5])
    return _page("reports/ledger.html", f, result=result, chart=chart, kind=kind,
                 page_size=ledger_view.PAGE)


@bp.get("/ledger.csv")
@role_required("manager")
def ledger_csv():
    f = filters.parse(request.args, current_user, default_days=7)
    kind = request.args.get("kind") or None
    return export.csv_response(
        f"ledger-{f.start}-{f.end}.csv",
        ["occurred_at", "recorded_at", "kind", "item_id", "item", "location", "quantity", "user", "device_id",
         "device_time", "source", "key", "count_key", "note"],
        ([export.when(r["occurred_at"], f.tz), export.when(r["recorded_at"], f.tz), r["kind"], r["item_id"],
          r["item"], r["location"], export.quantity(r["quantity"], r["measure"]), r["user"], r["device_id"],
          export.when(r["device_time"], f.tz) if r["device_time"] else "", r["source"], r["key"],
          r["count_key"], r["note"]] for r in ledger_view.all_rows(f, kind)), locale=f.locale)
