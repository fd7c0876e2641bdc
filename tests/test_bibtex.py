import datetime as dt

from generator.bibtex import bibtex_entry, citation_key
from generator.model import Paper


def test_arxiv_entry():
    paper = Paper(id="2608.19880", title="EnvHarness: Awakening {Static} Worlds", authors=("Chengsong Huang", "Kou Shi"),
                  published=dt.date(2026, 8, 20))
    entry = bibtex_entry(paper)
    assert entry.startswith("@misc{huang2026envharness,")
    assert "title = {{EnvHarness: Awakening Static Worlds}}" in entry
    assert "author = {Chengsong Huang and Kou Shi}" in entry
    assert "eprint = {2608.19880}" in entry and "archivePrefix = {arXiv}" in entry
    assert entry.count("{") == entry.count("}")


def test_key_without_authors_or_date():
    assert citation_key(Paper(id="x-y", title="On Things")) == "things"
