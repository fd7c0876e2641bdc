"""Horizontal bar charts as inline SVG, drawn at build time: no JavaScript on the page.

Lay-out is in percentages of the chart's width rather than a scaled viewBox, so the
labels keep their font size on a phone instead of shrinking with the chart. Colours
come from the stylesheet (classes below), so the chart follows light and dark mode.
Every label is escaped here: tag names come from contributors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

ROW = 26  # px per bar
LABEL_CHARS = 18  # longer labels are cut (the full text stays in the table and the tooltip)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    path: str | None = None  # site path the label could link to (used by the data table)


@dataclass(frozen=True)
class Chart:
    id: str  # unique on its page; names the SVG's title
    title: str
    category: str  # what a bar stands for ("Month", "Tag"): the data table's first column
    bars: tuple[Bar, ...]
    svg: Markup  # safe to insert as is


def bar_chart(chart_id: str, title: str, category: str, bars: Sequence[Bar]) -> Chart:
    bars = tuple(bars)
    return Chart(id=chart_id, title=title, category=category, bars=bars, svg=_svg(chart_id, title, bars))


def _svg(chart_id: str, title: str, bars: tuple[Bar, ...]) -> Markup:
    largest = max((b.value for b in bars), default=0) or 1
    height = max(len(bars), 1) * ROW
    rows = "".join(_row(i, bar, largest) for i, bar in enumerate(bars))
    # role=img with a title: screen readers announce one image; the table under it has the numbers.
    return Markup(
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}-title" width="100%" height="{height}"'
        f' xmlns="http://www.w3.org/2000/svg"><title id="{chart_id}-title">{escape(title)}</title>'
        f'<svg x="38%" width="50%" height="{height}" overflow="visible">{rows}</svg>'
        f"{''.join(_label(i, bar) for i, bar in enumerate(bars))}</svg>"
    )


def _row(index: int, bar: Bar, largest: int) -> str:
    y = index * ROW
    width = round(100 * bar.value / largest, 2)
    return (
        f'<rect class="bar" x="0" y="{y + 4}" width="{width}%" height="{ROW - 8}"></rect>'
        f'<text class="value" x="{width}%" dx="6" y="{y + ROW // 2}" dominant-baseline="central">{bar.value}</text>'
    )


def _label(index: int, bar: Bar) -> str:
    text = bar.label if len(bar.label) <= LABEL_CHARS else bar.label[: LABEL_CHARS - 1] + "…"
    y = index * ROW + ROW // 2
    return f'<text class="label" x="36%" y="{y}" text-anchor="end" dominant-baseline="central">{escape(text)}</text>'
