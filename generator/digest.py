"""Digest feeds: one item per finished week (its 10 most upvoted papers) or month (its 20).

A period is finished when the archive lists a later day (`weeks.finished_weeks`), so the same
content gives the same feed whenever it is built. Each item's guid is the period's page: the
week's page, or the month's top page.
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from generator import urls
from generator.model import Paper
from generator.pages import most_upvoted
from generator.taxonomy import Archive
from generator.views import abstract_text
from generator.weeks import finished_months, finished_weeks, ranked, weeks

WEEK_TOP, MONTH_TOP = 10, 20  # papers per item
WEEK_ITEMS, MONTH_ITEMS = 52, 24  # items per feed
LINE_CHARS = 200  # the one line each paper gets


@dataclass(frozen=True)
class Issue:
    """One item of a digest: a finished period and its top papers, most upvoted first."""

    path: str  # the period's page: link and guid
    title: str
    day: dt.date  # the period's last day
    papers: tuple[str, ...]


def weekly_issues(archive: Archive) -> tuple[Issue, ...]:
    by_week = weeks(archive)
    done = finished_weeks(by_week, newest_day(archive))[:WEEK_ITEMS]
    return tuple(
        Issue(
            w.path,
            f"Week {w.label} ({w.span}): the most upvoted papers",
            w.last,
            tuple(ranked(archive, by_week[w])[:WEEK_TOP]),
        )
        for w in done
    )


def monthly_issues(archive: Archive) -> tuple[Issue, ...]:
    """Months without a single upvote count have no top page, so no item."""
    issues = []
    for y, m in finished_months(archive.months, newest_day(archive)):
        top = most_upvoted(archive, archive.months[(y, m)], MONTH_TOP)
        if top:
            last = dt.date(y, m, calendar.monthrange(y, m)[1])
            issues.append(
                Issue(urls.top_month(y, m), f"{calendar.month_name[m]} {y}: the most upvoted papers", last, tuple(top))
            )
    return tuple(issues[:MONTH_ITEMS])


def newest_day(archive: Archive) -> dt.date | None:
    return next(iter(archive.days), None)


def issue_html(issue: Issue, papers: Mapping[str, Paper], absolute: Callable[[str], str]) -> str:
    """The item's body: an ordered list of links with upvotes and one line each (all text escaped)."""
    rows = []
    for pid in issue.papers:
        paper = papers[pid]
        votes = f" ({paper.upvotes} upvote{'' if paper.upvotes == 1 else 's'})" if paper.upvotes is not None else ""
        line = one_line(paper)
        rows.append(
            f'<li><a href="{html.escape(absolute(urls.paper(pid)))}">{html.escape(paper.title)}</a>'
            f"{votes}{': ' + html.escape(line) if line else ''}</li>"
        )
    return "<ol>\n" + "\n".join(rows) + "\n</ol>"


def one_line(paper: Paper) -> str:
    """Hugging Face's AI one-liner when there is one (labelled), else the abstract's first words."""
    if paper.ai_summary:
        return f"{' '.join(paper.ai_summary.split())} (AI summary)"
    return abstract_text(paper.abstract, LINE_CHARS)
