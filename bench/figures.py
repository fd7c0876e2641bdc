"""Figures over the runs: medians, peaks, Broadsheet/Hugo ratios, per-paper costs, and the targets.

Times come from the runs nobody watched; tree PSS from the sampled runs (sampling slows a build).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from measure import Run

Results = dict[tuple[int, str, str], list[Run]]  # (papers, scenario, tool) -> runs
GIB = 1024**3
MIB = 1024**2
TARGET_SIZE = 20000
LARGEST = 100000
PUBLISH = ("cold publish", "daily publish")


def chosen(runs: list[Run], field: str) -> list[Run]:
    """PSS from the sampled runs, everything else from the others (all of them if there are none)."""
    return [r for r in runs if r.sampled == (field == "pss")] or runs


def median(runs: list[Run], field: str) -> float:
    return float(statistics.median(getattr(r, field) for r in chosen(runs, field)))


def ratio(results: Results, n: int, scenario: str, field: str) -> float | None:
    """Broadsheet's median over Hugo's (Hugo + Pagefind for a publish), same size and scenario."""
    ours, theirs = results.get((n, scenario, "broadsheet")), results.get((n, scenario, "hugo"))
    return median(ours, field) / median(theirs, field) if ours and theirs else None


def publish_peak(results: Results, n: int, field: str) -> float | None:
    """The largest memory figure (`maxrss` or `pss`) of any Broadsheet publish run at `n` papers."""
    runs = [r for s in PUBLISH for r in results.get((n, s, "broadsheet"), [])]
    runs = [r for r in runs if r.sampled] if field == "pss" else runs
    return max(getattr(r, field) for r in runs) if runs else None


def site_bytes(results: Results, n: int) -> float | None:
    runs = results.get((n, "cold publish", "broadsheet"))
    return median(runs, "bytes") if runs else None


def per_paper(results: Results, n: int, scenario: str, tool: str, field: str) -> float | None:
    runs = results.get((n, scenario, tool))
    return median(runs, field) / n if runs else None


def growth(results: Results, field: str = "cpu", small: int = TARGET_SIZE, large: int = LARGEST) -> float | None:
    """How Broadsheet's cold publish cost per paper grows from `small` to `large` papers (1.0: linear)."""
    a = per_paper(results, small, "cold publish", "broadsheet", field)
    b = per_paper(results, large, "cold publish", "broadsheet", field)
    return b / a if a and b else None


@dataclass(frozen=True)
class Target:
    name: str
    value: float | None
    limit: float
    unit: str
    inclusive: bool = True  # whether the limit itself passes
    cpu: float | None = None  # for a ratio of wall times: the same ratio of CPU times, beside it

    @property
    def result(self) -> str:
        if self.value is None:
            return "not measured"
        return "PASS" if self.value < self.limit or (self.inclusive and self.value == self.limit) else "FAIL"

    def line(self) -> str:
        if self.value is None:
            return f"  {self.result}  {self.name}"
        cpu = f" (CPU {self.cpu:.2f} x)" if self.cpu is not None else ""
        return f"  {self.result}  {self.name}: {self.value:.2f} {self.unit}{cpu}"


def vs_anchor(results: Results, n: int, name: str, scenario: str, limit: float) -> Target:
    wall, cpu = (ratio(results, n, scenario, f) for f in ("wall", "cpu"))
    return Target(name, wall, limit, "x", cpu=cpu)


def gib(value: float | None) -> float | None:
    return None if value is None else value / GIB


def targets(results: Results) -> list[Target]:
    """Issue 14's targets (at 20,000 papers unless said), then issue 6's two that still stand."""
    n, big = TARGET_SIZE, LARGEST
    no_change = results.get((n, "no-change", "broadsheet"))
    site, big_site = site_bytes(results, n), site_bytes(results, big)
    peak = {(size, f): gib(publish_peak(results, size, f)) for size in (n, big) for f in ("maxrss", "pss")}
    return [
        vs_anchor(results, n, "cold publish (build + search): at most 0.75 x Hugo + Pagefind", "cold publish", 0.75),
        Target("peak memory of the publish, largest process: at most 1.5 GiB", peak[n, "maxrss"], 1.5, "GiB"),
        Target("peak memory of the publish, tree PSS: at most 1.5 GiB", peak[n, "pss"], 1.5, "GiB"),
        vs_anchor(
            results,
            n,
            "daily publish (CI: fresh checkout, cache and output restored): at most 0.15 x Hugo + Pagefind cold",
            "daily publish",
            0.15,
        ),
        Target("site (bytes of all files): at most 140 MiB", None if site is None else site / MIB, 140, "MiB"),
        vs_anchor(results, n, "cold build without search: at most 0.75 x Hugo", "cold", 0.75),
        vs_anchor(results, n, "daily build, warm local cache: at most 0.10 x Hugo's cold build", "daily", 0.10),
        Target(f"at {big:,}: publish peak, largest process: under 4 GiB", peak[big, "maxrss"], 4, "GiB", False),
        Target(f"at {big:,}: publish peak, tree PSS: under 4 GiB", peak[big, "pss"], 4, "GiB", False),
        Target(f"at {big:,}: site under 700 MB", None if big_site is None else big_site / 1e6, 700, "MB", False),
        Target(f"linear: CPU per paper, cold publish, {big:,} over {n:,}: at most 1.2", growth(results), 1.2, "x"),
        vs_anchor(results, 1000, "at 1,000: cold build without search: at most Hugo's", "cold", 1.0),
        Target("issue 6: no-change rebuild under 1 s", median(no_change, "wall") if no_change else None, 1, "s", False),
        Target("issue 6: cold build's tree PSS at most half of Hugo's", ratio(results, n, "cold", "pss"), 0.5, "x"),
    ]
