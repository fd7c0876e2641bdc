import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.bibtex import (
    bibtex_entry,
    bibtex_file,
    bibtex_name,
    citation_key,
    citation_keys,
    escape,
)
from generator.model import Paper
from tests.bibcheck import parse_bib, unescape

HOSTILE_TITLES = [
    "Q&A at 50% of $\\alpha$-nets_v2 #1",
    "Braces {open and } close }{ and {{nested}}",
    "Back\\slashes C:\\path\\to\\file and \\textbf{bold} \\",
    "Unbalanced $5 dollar",
    "Two $x$ and a third $ dollar",
    "Money $5 and $10, math $a_{i}^{2}$ and $$\\sum_i x_i$$",
    "Math that is not: $a % b$ and $\\{x$",
    "Tilde~and caret^ and ~~",
    "Ünïcödé ≥ 中文 — kept",
    "@misc{evil, title={x}} , author = {y}",
]


def paper(title="EnvHarness: Awakening Static Worlds", authors=("Chengsong Huang", "Kou Shi"), **kw):
    return Paper(
        id=kw.pop("id", "2608.19880"),
        title=title,
        authors=authors,
        published=kw.pop("published", dt.date(2026, 8, 20)),
        **kw,
    )


def authors_of(entry):
    (parsed,) = parse_bib(entry).entries.values()
    return parsed.persons["author"]


def test_arxiv_entry_as_arxiv_gives_it():
    entry = bibtex_entry(paper())
    fields = parse_bib(entry).entries["huang2026envharness"]
    assert fields.type == "misc"
    assert fields.fields["title"] == "{EnvHarness: Awakening Static Worlds}"
    assert [str(p) for p in fields.persons["author"]] == ["Huang, Chengsong", "Shi, Kou"]
    assert fields.fields["eprint"] == "2608.19880" and fields.fields["archivePrefix"] == "arXiv"
    assert fields.fields["url"] == "https://arxiv.org/abs/2608.19880"
    assert fields.fields["doi"] == "10.48550/arXiv.2608.19880"
    assert fields.fields["year"] == "2026"
    assert "primaryClass" not in fields.fields  # the content does not record it: never guessed


def test_a_paper_without_an_arxiv_id_gets_no_arxiv_fields():
    entry = parse_bib(bibtex_entry(paper(id="some-slug", published=None))).entries[
        "huang2026envharness".replace("2026", "")
    ]
    assert not {"eprint", "archivePrefix", "doi", "year"} & set(entry.fields)


def test_the_issue_title_escapes_text_and_keeps_math():
    assert escape("Q&A at 50% of $\\alpha$-nets_v2 #1") == "Q\\&A at 50\\% of $\\alpha$-nets\\_v2 \\#1"


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles_parse_and_round_trip(title):
    entry = bibtex_entry(paper(title=title))
    parsed = parse_bib(entry)
    ((key, fields),) = parsed.entries.items()
    assert key == citation_key(paper(title=title))
    value = fields.fields["title"]
    assert value.startswith("{") and value.endswith("}")
    assert unescape(value[1:-1]) == " ".join(title.split())


def test_unbalanced_dollar_and_non_math_are_escaped():
    assert escape("Unbalanced $5 dollar") == "Unbalanced \\$5 dollar"
    assert escape("$a % b$") == "\\$a \\% b\\$"
    assert escape("$\\{x$") == "\\$\\textbackslash{}\\textbraceleft{}x\\$"
    assert escape("$a_{i}^{2}$ and $$\\sum_i$$") == "$a_{i}^{2}$ and $$\\sum_i$$"


@pytest.mark.parametrize(
    "name, last, first",
    [
        ("Zoë Müller-Lüdenscheidt", "Müller-Lüdenscheidt", "Zoë"),
        ("J. R. R. Tolkien", "Tolkien", "J. R. R."),
        ("Plato", "Plato", ""),
        ("Bob_Smith & Co", "Co", "Bob\\_Smith \\&"),
    ],
)
def test_names_are_last_comma_first(name, last, first):
    person = authors_of(bibtex_entry(paper(authors=(name, "Other Person"))))[0]
    assert " ".join(person.last_names) == last
    assert " ".join(person.first_names + person.middle_names) == first


@pytest.mark.parametrize("name", ["Tom and Jerry", "Smith, Jr., John", "Ana {Weird} Brace}"])
def test_names_that_would_split_stay_one_author(name):
    persons = authors_of(bibtex_entry(paper(authors=(name, "Kou Shi"))))
    assert len(persons) == 2 and str(persons[1]) == "Shi, Kou"
    assert bibtex_name(name).startswith("{") or "\\textbrace" in bibtex_name(name)


def test_utf8_is_kept():
    entry = bibtex_entry(paper(title="Ünïcödé 中文", authors=("Zoë Çelik",)))
    assert "Ünïcödé 中文" in entry and "Çelik, Zoë" in entry


def test_key_without_authors_or_date():
    assert citation_key(Paper(id="x-y", title="On Things")) == "things"
    assert citation_key(Paper(id="x-y", title="a b c")) == "paper"


def clashing(n, day0=dt.date(2025, 1, 1)):
    return [
        Paper(
            id=f"2501.{i:05d}",
            title="Inverse problems",
            authors=("Wei Zhan",),
            published=dt.date(2025, 1, 1),
            listed=day0 + dt.timedelta(days=i),
        )
        for i in range(n)
    ]


def test_clashing_keys_get_suffixes_in_the_order_received():
    papers = clashing(30)
    keys = citation_keys({p.id: p for p in reversed(papers)})
    assert [keys[p.id] for p in papers[:3]] == ["zhan2025inverse", "zhan2025inversea", "zhan2025inverseb"]
    assert keys[papers[26].id] == "zhan2025inversez" and keys[papers[27].id] == "zhan2025inverseaa"
    assert len(set(keys.values())) == 30


def test_a_newer_paper_never_changes_an_existing_key():
    papers = clashing(3)
    before = citation_keys({p.id: p for p in papers})
    newer = Paper(
        id="2502.00001",
        title="Inverse problems again",
        authors=("Wei Zhan",),
        published=dt.date(2025, 2, 1),
        listed=dt.date(2025, 2, 2),
    )
    after = citation_keys({p.id: p for p in [newer, *papers]})
    assert {pid: after[pid] for pid in before} == before and after[newer.id] == "zhan2025inversec"


def test_a_suffix_never_takes_another_papers_own_key():
    papers = clashing(2)
    own = Paper(id="2503.00001", title="Inversea", authors=("Wei Zhan",), published=dt.date(2025, 3, 1))
    keys = citation_keys({p.id: p for p in [own, *papers]})
    assert keys[own.id] == "zhan2025inversea" and keys[papers[1].id] == "zhan2025inverseb"


def test_a_file_of_many_entries_parses_with_unique_keys():
    papers = clashing(5) + [paper(title=t, id=f"2608.{i:05d}") for i, t in enumerate(HOSTILE_TITLES)]
    keys = citation_keys({p.id: p for p in papers})
    text = bibtex_file(bibtex_entry(p, keys[p.id]) for p in papers).decode()
    assert sorted(parse_bib(text).entries.keys()) == sorted(keys.values())


def _name_escaped_in_full(name: str) -> str:
    """bibtex_name without its shortcut for names that have nothing to escape."""
    parts = name.split()
    if not parts:
        return ""
    if "," in name or any(p.lower() == "and" for p in parts):
        return "{" + escape(name) + "}"
    return escape(parts[0]) if len(parts) == 1 else f"{escape(parts[-1])}, {escape(' '.join(parts[:-1]))}"


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(list("aZé-. \t\n,&%$#_{}~^\\") + ["and", "And ", "$x$"]), max_size=30).map("".join))
def test_a_name_with_nothing_to_escape_is_written_as_in_full(name):
    assert bibtex_name(name) == _name_escaped_in_full(name)
