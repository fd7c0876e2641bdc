"""An SVG chart of a benchmark's JSON (bench/run.py --json): Broadsheet against Hugo (+ Pagefind) per size.

    .venv/bin/python bench/chart.py bench.json [more.json ...] docs/publish-benchmark.svg

One panel per scenario; at each corpus size a pair of bars, the median wall time per 1,000 papers
(flat across sizes is linear growth), labelled with the median wall time in seconds. Hand-written SVG.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from xml.sax.saxutils import escape

PANELS = (
    ("cold publish", "Cold publish (build + search index)"),
    ("daily publish", "Daily publish on a fresh checkout, cache restored"),
    ("cold", "Cold build, no search"),
    ("daily", "Daily build, warm local cache"),
)
COLOURS = {"broadsheet": "#1f6feb", "hugo": "#d4761c"}
PANEL_W, PANEL_H, PAD = 440, 250, 48
BAR_W = 26


def medians(data: dict) -> dict[tuple[int, str, str], float]:
    """Median wall time per (papers, scenario, tool), from the runs not sampled for memory, if any."""
    timed: dict[tuple[int, str, str], list[float]] = {}
    sampled: dict[tuple[int, str, str], list[float]] = {}
    for run in data["runs"]:
        group = sampled if run["sampled"] else timed
        group.setdefault((run["papers"], run["scenario"], run["tool"]), []).append(run["wall"])
    return {key: statistics.median(values) for key, values in {**sampled, **timed}.items()}


def panel(x0: float, y0: float, scenario: str, title: str, sizes: list[int], wall: dict) -> list[str]:
    here = {(n, tool): wall[(n, scenario, tool)] for n in sizes for tool in COLOURS if (n, scenario, tool) in wall}
    if not here:
        return []
    per_k = {key: seconds / key[0] * 1000 for key, seconds in here.items()}
    top = max(per_k.values()) * 1.2
    base, height = y0 + PANEL_H - PAD, PANEL_H - 2 * PAD
    out = [f'<text x="{x0 + 8}" y="{y0 + 20}" class="title">{escape(title)}</text>']
    out.append(f'<line x1="{x0 + PAD}" y1="{base}" x2="{x0 + PANEL_W - 10}" y2="{base}" class="axis"/>')
    out.append(f'<text x="{x0 + 8}" y="{y0 + 36}" class="note">seconds per 1,000 papers (label: seconds)</text>')
    step = (PANEL_W - PAD - 10) / len(sizes)
    for i, n in enumerate(sizes):
        cx = x0 + PAD + step * (i + 0.5)
        out.append(f'<text x="{cx}" y="{base + 16}" class="size">{n:,}</text>')
        for j, tool in enumerate(COLOURS):
            if (n, tool) in here:
                out += bar(cx - BAR_W + j * BAR_W, base, per_k[(n, tool)] / top * height, tool, here[(n, tool)])
    return out


def bar(x: float, base: float, h: float, tool: str, seconds: float) -> list[str]:
    return [
        f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{BAR_W - 2}" height="{h:.1f}" fill="{COLOURS[tool]}"/>',
        f'<text x="{x + BAR_W / 2 - 1:.1f}" y="{base - h - 3:.1f}" class="value">{seconds:.1f}</text>',
    ]


def legend(y: float) -> list[str]:
    out = []
    for i, (tool, label) in enumerate((("broadsheet", "Broadsheet"), ("hugo", "Hugo (publish: + Pagefind)"))):
        x = 16 + i * 200
        out.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{COLOURS[tool]}"/>')
        out.append(f'<text x="{x + 18}" y="{y}" class="legend">{label}</text>')
    return out


def chart(data: dict) -> str:
    sizes = sorted({run["papers"] for run in data["runs"]})
    wall = medians(data)
    shown = [p for p in PANELS if any(key[1] == p[0] for key in wall)]
    width, height = PANEL_W * 2, PANEL_H * ((len(shown) + 1) // 2) + 60
    body = []
    for k, (scenario, title) in enumerate(shown):
        body += panel(PANEL_W * (k % 2), 30 + PANEL_H * (k // 2), scenario, title, sizes, wall)
    machine = data.get("machine", {})
    caption = f"{machine.get('cpu', '')}, {machine.get('cores', '')}; load average {machine.get('load average', '')}"
    if machine.get("workspace"):  # the file system matters (bench/disk.py)
        caption += f"; workspace {machine['workspace']}"
    style = (
        "text{font-family:sans-serif;fill:#222}.title{font-size:14px;font-weight:bold}"
        ".note,.caption{font-size:10px;fill:#555}.size{font-size:11px;text-anchor:middle}"
        ".value{font-size:9px;text-anchor:middle}.legend{font-size:12px}.axis{stroke:#888}"
    )
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="Broadsheet against Hugo, wall time per size">',
            f"<style>{style}</style>",
            '<rect width="100%" height="100%" fill="#fff"/>',
            *legend(20),
            *body,
            f'<text x="16" y="{height - 10}" class="caption">{escape(caption)}</text>',
            "</svg>",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", type=Path, nargs="+", help="files bench/run.py --json wrote (their runs add up)")
    parser.add_argument("svg", type=Path, help="the chart to write")
    args = parser.parse_args(argv)
    args.svg.write_text(chart(combined([json.loads(p.read_text(encoding="utf-8")) for p in args.json])), "utf-8")
    return 0


def combined(files: list[dict]) -> dict:
    """One benchmark of several (say 5,000 papers in one run, 20,000 in another): runs joined, the
    machine of the last, its load averages of each."""
    machine = dict(files[-1].get("machine", {}))
    machine["load average"] = "; ".join(f.get("machine", {}).get("load average", "") for f in files)
    return {"machine": machine, "runs": [run for f in files for run in f["runs"]]}


if __name__ == "__main__":
    raise SystemExit(main())
