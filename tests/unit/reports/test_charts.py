"""Server-side SVG charts: drawn without scripts or styles, and safe with hostile labels."""

import xml.etree.ElementTree as ET

from webapp.reports.charts import Bar, Series, bar_chart, line_chart

NS = "{http://www.w3.org/2000/svg}"


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314  (our own output, parsed to check its shape)


def test_a_bar_chart_draws_one_bar_per_row_scaled_to_the_largest():
    svg = bar_chart([Bar("Dairy", 300), Bar("Bakery", 150)], title="Value by category")
    root = parse(svg)
    bars = root.findall(f".//{NS}rect")
    assert [float(b.get("width")) for b in bars] == [230.0, 115.0]
    assert root.get("viewBox") == "0 0 360 76"


def test_labels_from_clover_are_escaped():
    svg = str(bar_chart([Bar('<script>alert(1)</script> & "milk"', 1)], title="<b>t</b>"))
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg
    parse(svg)  # still well-formed


def test_charts_carry_no_inline_style():
    line = str(line_chart(["a", "b"], [Series("x", [1, 2]), Series("y", [None, 3])], title="t"))
    bar = str(bar_chart([Bar("a", -1)], title="t"))
    assert "style=" not in line and "style=" not in bar


def test_a_line_chart_leaves_a_gap_where_there_is_no_data():
    svg = line_chart(["w1", "w2", "w3", "w4"], [Series("IRA", [0.5, None, 0.75, 1.0])], title="IRA")
    root = parse(svg)
    assert len(root.findall(f".//{NS}polyline")) == 1  # w3-w4; w1 stands alone
    assert len(root.findall(f".//{NS}circle")) == 3


def test_an_empty_chart_says_so():
    assert "Nothing to show" in str(bar_chart([], title="t"))
    assert "Nothing to show" in str(line_chart([], [], title="t"))
