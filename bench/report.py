"""What run.py prints and writes: the machine, the table of medians, per-paper costs, the targets,
a warning when the machine was too busy to trust, and every run as JSON (bench/chart.py draws it)."""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from figures import MIB, Results, chosen, median, per_paper, ratio, targets
from measure import SAMPLE_SECONDS
from scenarios import SCENARIOS

TOOLS = ("broadsheet", "hugo")
SPREAD_WARNING = 1.5  # a timed figure whose slowest run took this many times its fastest is noise-bound


def tool_label(tool: str, scenario: str) -> str:
    return "hugo+pagefind" if tool == "hugo" and scenario in SCENARIOS["publish"] else tool


def table(results: Results, sizes: Sequence[int]) -> str:
    head: tuple[str, ...] = ("papers", "scenario", "tool", "wall s median (min-max)", "parts s", "CPU s (sys)")
    head += ("max RSS MiB", "tree PSS MiB", "files", "site MiB", "B/H wall", "B/H CPU", "B/H PSS")
    rows = [head]
    scenarios = [s for group in SCENARIOS.values() for s in group]
    for n in sizes:
        rows += [row(results, n, s, t) for s in scenarios for t in TOOLS if (n, s, t) in results]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def row(results: Results, n: int, scenario: str, tool: str) -> tuple[str, ...]:
    runs = results[(n, scenario, tool)]
    walls = [r.wall for r in chosen(runs, "wall")]
    parts = [r.parts for r in chosen(runs, "wall") if r.parts]
    ratios: tuple[str, ...] = ("", "", "")
    if tool == "broadsheet":
        ratios = tuple(fmt(ratio(results, n, scenario, f)) for f in ("wall", "cpu", "pss"))
    return (
        f"{n:,}",
        scenario,
        tool_label(tool, scenario),
        f"{median(runs, 'wall'):.2f} ({min(walls):.2f}-{max(walls):.2f})",
        "+".join(f"{statistics.median(p):.1f}" for p in zip(*parts, strict=True)) if parts else "",
        f"{median(runs, 'cpu'):.2f} ({median(runs, 'sys'):.2f})",
        f"{median(runs, 'maxrss') / MIB:.0f}",
        f"{median(runs, 'pss') / MIB:.0f}",
        f"{median(runs, 'files'):,.0f}",
        f"{median(runs, 'bytes') / MIB:.1f}",
        *ratios,
    )


def fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def per_paper_lines(results: Results, sizes: Sequence[int]) -> list[str]:
    """Cost per paper of each cold scenario at each size: flat across sizes is linear growth."""
    lines = []
    for scenario in ("cold", "cold publish"):
        for tool in TOOLS:
            cells = [per_paper_cell(results, n, scenario, tool) for n in sizes if (n, scenario, tool) in results]
            if cells:
                lines.append(f"  {scenario:12} {tool_label(tool, scenario):13} " + "; ".join(cells))
    return lines


def per_paper_cell(results: Results, n: int, scenario: str, tool: str) -> str:
    wall, cpu, pss, size = (per_paper(results, n, scenario, tool, f) or 0 for f in ("wall", "cpu", "pss", "bytes"))
    return f"{n:,}: {wall * 1000:.2f} ms, CPU {cpu * 1000:.2f} ms, PSS {pss / 1024:.0f} KiB, {size / 1024:.1f} KiB"


def noise_lines(results: Results, loads: tuple[float, float], cores: int) -> list[str]:
    """Why these figures may not be worth comparing: a busy machine, or runs that disagree."""
    lines = []
    if max(loads) > cores / 2:
        lines.append(
            f"WARNING: load average {loads[0]:.1f} at the start, {loads[1]:.1f} at the end on {cores} cores: "
            "other work shared the machine; wall times are unreliable, compare CPU times"
        )
    spread = sorted(
        (max(w) / min(w), key)
        for key, runs in results.items()
        if len(w := [r.wall for r in chosen(runs, "wall")]) > 1 and min(w) > 0
    )
    if spread and spread[-1][0] > SPREAD_WARNING:
        x, (n, scenario, tool) = spread[-1]
        lines.append(f"WARNING: runs disagree: the slowest took up to {x:.1f}x the fastest ({n:,} {scenario}, {tool})")
    return lines


def report(results: Results, sizes: Sequence[int], machine: dict[str, str], noise: list[str]) -> str:
    runs = sorted({len([r for r in rs if not r.sampled]) for rs in results.values()})
    timed = f"Medians of {' or '.join(map(str, runs))} timed runs, tree PSS from one more run"
    if runs == [0]:
        timed = "One run of each, watched for memory (--runs 0): every figure from it, times slowed by the watching"
    lines = ["Machine:"] + [f"  {k}: {v}" for k, v in machine.items()]
    lines += [
        "",
        f"{timed}, sampled every {SAMPLE_SECONDS * 1000:.0f} ms; B/H = Broadsheet / Hugo (publish: Hugo + Pagefind); "
        "parts = Hugo + Pagefind.",
        table(results, sizes),
        "",
        "Per paper (wall, CPU, tree PSS, site bytes):",
        *per_paper_lines(results, sizes),
        "",
        "Targets (issue 14, at 20,000 papers unless said):",
        *(t.line() for t in targets(results)),
    ]
    return "\n".join(lines + ([""] + noise if noise else []))


def dump_json(path: Path, results: Results, machine: dict[str, str], sizes: Sequence[int]) -> None:
    runs = [
        {"papers": n, "scenario": s, "tool": t, "run": i + 1, **asdict(r), "cpu": r.cpu}
        for (n, s, t), rs in sorted(results.items())
        for i, r in enumerate(rs)
    ]
    units = {"wall": "s", "user": "s", "sys": "s", "cpu": "s", "maxrss": "bytes", "pss": "bytes", "bytes": "bytes"}
    data = {
        "machine": machine,
        "sizes": list(sizes),
        "sample_seconds": SAMPLE_SECONDS,
        "units": units,
        "runs": runs,
        "targets": [{**asdict(t), "result": t.result} for t in targets(results)],
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
