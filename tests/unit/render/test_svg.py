"""The SVG charts: escaped labels, bars to scale, an accessible title."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from airlock.render.svg import bar_chart, line_chart

NS = "{http://www.w3.org/2000/svg}"


def test_bars_are_to_scale_and_labels_escaped() -> None:
    svg = bar_chart("Waits <b>", [1.0, 4.0, -2.0], ["a", "<script>", "c"], unit=" s")
    root = ET.fromstring(svg)  # well-formed XML: nothing unescaped broke it
    assert root.get("role") == "img"
    assert root.find(f"{NS}title").text == "Waits <b>"  # type: ignore[union-attr]
    heights = [float(r.get("height", "0")) for r in root.iter(f"{NS}rect")]
    assert heights[1] == 4 * heights[0] and heights[2] == 0
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_a_ceiling_caps_bars_and_empty_data_still_draws_axes() -> None:
    capped = ET.fromstring(bar_chart("t", [50.0, 200.0], ceiling=100.0))
    heights = [float(r.get("height", "0")) for r in capped.iter(f"{NS}rect")]
    assert heights[0] * 2 == heights[1]
    empty = ET.fromstring(bar_chart("nothing", []))
    assert len(list(empty.iter(f"{NS}line"))) == 2


def test_many_labels_are_thinned() -> None:
    svg = bar_chart("bytes", [1.0] * 256, [f"{v}" for v in range(256)])
    assert len(re.findall(r"<text[^>]*text-anchor=\"middle\"", svg)) <= 13


def test_a_line_stays_inside_its_ceiling() -> None:
    root = ET.fromstring(line_chart("entropy", [0.0, 8.0, 12.0], ceiling=8.0, x_label="x"))
    line = root.find(f"{NS}polyline")
    assert line is not None
    ys = [float(p.split(",")[1]) for p in line.get("points", "").split()]
    assert ys[1] == ys[2] < ys[0]
