"""SVG bar charts drawn at build time."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from generator.charts import Bar, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))


def test_bars_are_proportional_to_the_largest_value() -> None:
    chart = bar_chart("c", "Papers", "Month", [Bar("Jan", 10), Bar("Feb", 5), Bar("Mar", 0)])
    widths = [rect.get("width") for rect in parse(chart).iter(f"{SVG}rect")]
    assert widths == ["100.0%", "50.0%", "0.0%"]
    values = [t.text for t in parse(chart).iter(f"{SVG}text") if t.get("class") == "value"]
    assert values == ["10", "5", "0"]


def test_the_chart_is_a_named_image_for_screen_readers() -> None:
    svg = parse(bar_chart("per-month", "Papers per month", "Month", [Bar("Jan", 1)]))
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "per-month-title"
    assert svg.find(f"{SVG}title").get("id") == "per-month-title"
    assert svg.find(f"{SVG}title").text == "Papers per month"


def test_labels_are_escaped_and_long_ones_cut() -> None:
    hostile = "<script>alert(1)</script> & a very long tag name indeed"
    chart = bar_chart("t", 'Tags <b>"', "Tag", [Bar(hostile, 3)])
    assert "<script>" not in str(chart.svg) and "<b>" not in str(chart.svg)
    label = next(t for t in parse(chart).iter(f"{SVG}text") if t.get("class") == "label")
    assert label.text.startswith("<script>") and label.text.endswith("…") and len(label.text) == 18
    assert chart.bars[0].label == hostile  # the full text stays for the data table


def test_an_empty_chart_is_still_valid_svg() -> None:
    svg = parse(bar_chart("e", "Nothing", "Tag", []))
    assert list(svg.iter(f"{SVG}rect")) == []
    assert int(svg.get("height")) > 0


def test_height_grows_with_the_number_of_bars() -> None:
    small = parse(bar_chart("a", "A", "Tag", [Bar("x", 1)] * 2))
    large = parse(bar_chart("b", "B", "Tag", [Bar("x", 1)] * 20))
    assert int(large.get("height")) == 10 * int(small.get("height"))
