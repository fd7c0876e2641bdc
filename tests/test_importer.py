import datetime as dt
import os
import time

import pytest

from generator.config import SiteConfig
from generator.errors import UserError
from generator.fsutil import STALE_TEMPORARY
from generator.importer import (
    import_listing,
    links_in,
    parse_listing,
    plan_import,
    read_listing,
    write_plan,
)
from generator.loader import load_content
from tests.conftest import FIXTURES, REPO

AS_OF = dt.date(2025, 10, 29)
SEED = FIXTURES / "seed-listing.txt"


def seed_entries():
    return parse_listing(SEED.read_text(encoding="utf-8"), AS_OF)


def by_title(prefix):
    return next(e for e in seed_entries() if e.title.startswith(prefix))


def test_all_89_papers_are_found_and_the_header_is_skipped():
    entries = seed_entries()
    assert len(entries) == 89
    assert entries[0].title.startswith("Reformulating Vision-Language Foundation Models")
    assert all(e.abstract for e in entries)


def test_dates_with_and_without_year_and_upvotes():
    assert by_title("Reformulating").published == dt.date(2023, 10, 1)
    assert by_title("Reformulating").upvotes is None
    inverse = by_title("Inverse-LLaVA")  # "Aug 17 2": this year, 2 upvotes
    assert (inverse.published, inverse.upvotes) == (dt.date(2025, 8, 17), 2)
    filip = by_title("FILIP")  # "Nov 9, 2021 1"
    assert (filip.published, filip.upvotes, filip.author_count) == (dt.date(2021, 11, 9), 1, 10)


def test_two_copied_pages_in_one_file_give_only_their_papers():
    """The second page's header ("new", "Subscribe", ..., its own date) is not three papers."""
    seed = SEED.read_text(encoding="utf-8")
    entries = parse_listing(seed + "\n" + seed, AS_OF)
    assert len(entries) == 178
    assert [e.title for e in entries[89:]] == [e.title for e in entries[:89]]
    assert entries[88] == entries[-1]  # the last paper before the second header keeps its own date


def test_a_single_header_word_further_down_is_still_a_title():
    text = SEED.read_text(encoding="utf-8") + "\nSubscribe\nAn abstract.\n  • 3 authors\n"
    entry = parse_listing(text, AS_OF)[-1]
    assert (entry.title, entry.abstract, entry.author_count) == ("Subscribe", "An abstract.", 3)


def test_a_date_after_the_as_of_day_is_last_year():
    text = "Daily Papers\nbyAK and the research community\nOct 29\n\nA title\n\nAn abstract.\n\n  • 3 authors\n·\nDec 5 4\n"
    (entry,) = parse_listing(text, AS_OF)
    assert (entry.published, entry.upvotes, entry.author_count) == (dt.date(2024, 12, 5), 4, 3)


@pytest.mark.parametrize("odd", ["\x85", "\x0b", "\x0c", "\u2028", "\x1e"])
def test_only_a_line_break_ends_a_line(odd):
    """A character str.splitlines also splits at, inside a title or abstract, does not make two papers;
    those no page can carry go, as the loader would remove them."""
    card = f"\nA title{odd}continued\nAn abstract{odd}goes on.\n  • 3 authors\n\r\nJan 5, 2024\r\n"
    entries = parse_listing(SEED.read_text(encoding="utf-8") + card, AS_OF)
    kept = "" if odd != "\u2028" else odd
    assert len(entries) == 90 and entries[-1].published == dt.date(2024, 1, 5)
    assert (entries[-1].title, entries[-1].abstract) == (f"A title{kept}continued", f"An abstract{kept}goes on.")


def test_entry_without_author_or_date_line_is_kept():
    kwai = by_title("Kwai Keye-VL")
    assert kwai.published is None and kwai.author_count is None
    assert kwai.abstract.startswith("While Multimodal Large Language Models")
    following = seed_entries()[seed_entries().index(kwai) + 1]
    assert following.title.startswith("SimVLG")


def test_links_lose_trailing_punctuation():
    assert links_in("code at https://github.com/PriNing/ODM}. and more") == ("https://github.com/PriNing/ODM", None)
    assert links_in("see https://github.com/showlab/datacentric.vlp.") == (
        "https://github.com/showlab/datacentric.vlp",
        None,
    )
    assert links_in("page https://wukong-dataset.github.io/wukong-dataset/.") == (
        None,
        "https://wukong-dataset.github.io/wukong-dataset/",
    )


def test_import_writes_files_tags_and_is_idempotent(tmp_path):
    from generator.config import load_config

    config = load_config(root=REPO)
    content = tmp_path / "content"
    assert "89 added" in import_listing(SEED, AS_OF, content, config)
    papers = {p.title: p for p in load_content(content).papers}
    assert len(papers) == 89
    muffin = papers[
        "Reformulating Vision-Language Foundation Models and Datasets Towards Universal Multimodal Assistants"
    ]
    assert muffin.github == "https://github.com/thunlp/muffin"
    assert "vision-language" in muffin.tags
    assert sum(1 for p in papers.values() if p.tags) == 89
    assert "0 added" in import_listing(SEED, AS_OF, content, config)


def test_import_never_overwrites_a_contributors_edit(tmp_path):
    content = tmp_path / "content"
    import_listing(SEED, AS_OF, content, SiteConfig())
    path = next((content / "papers").rglob("filip-*.md"))
    edited = path.read_text(encoding="utf-8").replace(
        "upvotes: 1\n", "upvotes: 1\nproject_page: https://example.org/filip\n"
    )
    edited += "\nA contributor's note.\n"
    path.write_text(edited, encoding="utf-8")
    import_listing(SEED, AS_OF, content, SiteConfig())
    assert path.read_text(encoding="utf-8") == edited


def test_shipped_content_is_the_seed_listing():
    papers = load_content(REPO / "content").papers
    seed_titles = {e.title for e in seed_entries()}
    assert seed_titles <= {p.title for p in papers}


def test_text_that_is_not_a_listing_is_refused(tmp_path):
    for name in ("README.md", "docs/architecture.md"):
        with pytest.raises(UserError, match="not a Daily Papers listing: none of its"):
            read_listing(REPO / name, AS_OF)


def test_a_few_paper_cards_in_other_text_are_not_a_listing(tmp_path):
    # 3 paper-like blocks among 8: a note that quotes a listing is still not one
    card = "A title\n\nAn abstract.\n\n  • 3 authors\n·\nDec 5 4\n\n"
    prose = "".join(f"Heading {i}\n\nSome prose about it.\n\n" for i in range(5))
    (tmp_path / "note.txt").write_text(card * 3 + prose, encoding="utf-8")
    with pytest.raises(UserError, match="only 3 of its 8 blocks"):
        read_listing(tmp_path / "note.txt", AS_OF)


def test_a_copy_cut_inside_its_last_paper_leaves_that_paper_out_with_a_warning(tmp_path, caplog):
    seed = SEED.read_text(encoding="utf-8")
    cut = tmp_path / "cut.txt"
    cut.write_text(seed[: len(seed) // 2], encoding="utf-8")  # in the middle of an abstract
    entries = read_listing(cut, AS_OF)
    assert entries == seed_entries()[: len(entries)] and len(entries) == 44
    (warning,) = caplog.messages
    assert warning.startswith(f"{cut}: warning: the last paper, 'DVPT: Dynamic Visual Prompt Tuning")
    assert "cut short, so it is left out" in warning and "\n" not in warning
    caplog.clear()
    assert len(read_listing(SEED, AS_OF)) == 89 and caplog.messages == []  # a whole copy ends with a card


def test_cards_past_the_content_limits_are_imported_within_them_and_the_archive_still_checks(tmp_path, caplog):
    cards = [
        ("Old paper", "An abstract.", 3, "Jan 1, 1985 7"),
        ("An abstract read as a title " * 40, "An abstract.", 3, "Jan 5, 2020"),  # its title line is missing
        ("Counted", "An abstract.", 10**12, "Jan 2, 2020 99999999999"),
        ("Long", "word " * 5_000, 3, "Jan 3, 2020"),
        ("Future", "An abstract.", 3, "Jan 4, 2099"),
    ]
    listing = tmp_path / "listing.txt"
    extra = "".join(f"\n{title}\n\n{abstract}\n\n  • {n} authors\n·\n{date}\n" for title, abstract, n, date in cards)
    listing.write_text(SEED.read_text(encoding="utf-8") + extra, encoding="utf-8")
    content = tmp_path / "content"
    assert import_listing(listing, AS_OF, content, SiteConfig()).startswith("93 papers in the listing: 93 added")
    loaded = load_content(content)
    assert [p for p in loaded.problems if p.is_error] == []
    papers = {p.title: p for p in loaded.papers}
    assert papers["Old paper"].published is None and papers["Future"].published is None
    assert papers["Old paper"].upvotes == 7 and papers["Counted"].upvotes is None
    assert papers["Counted"].author_count is None and papers["Old paper"].author_count == 3
    assert 19_000 < len(papers["Long"].abstract) <= 20_000
    assert len(caplog.messages) == 6 and all(m.startswith(f"{listing}: warning: ") for m in caplog.messages)
    assert "a title of 1,119 characters (over 1,000)" in caplog.messages[1] and len(caplog.messages[1]) < 300


def test_a_listing_that_is_not_utf8_is_refused(tmp_path):
    (tmp_path / "listing.txt").write_bytes(SEED.read_bytes().replace(b"Muffin", b"M\xfcffin"))
    with pytest.raises(UserError, match=r"not UTF-8 text \(byte \d+\)") as err:
        read_listing(tmp_path / "listing.txt", AS_OF)
    assert err.value.where == str(tmp_path / "listing.txt")


def test_the_seed_reads_as_a_listing():
    assert len(read_listing(SEED, AS_OF)) == 89


def test_a_plan_writes_nothing_and_names_each_file(tmp_path):
    content = tmp_path / "content"
    plan = plan_import(read_listing(SEED, AS_OF), content, SiteConfig())
    assert not content.exists()
    assert (plan.listed, len(plan.new)) == (89, 89)
    day = plan.new[0].paper.archive_date
    assert plan.new[0].path == content / "papers" / "2023" / f"{day.month:02d}" / f"{plan.new[0].paper.id}.md"
    assert write_plan(plan, content) == 89
    assert len(plan_import(read_listing(SEED, AS_OF), content, SiteConfig()).new) == 0


def test_a_file_that_does_not_load_is_never_overwritten(tmp_path):
    content = tmp_path / "content"
    plan = plan_import(read_listing(SEED, AS_OF), content, SiteConfig())
    broken = plan.new[0].path
    broken.parent.mkdir(parents=True)
    broken.write_text("---\ntitle: [unclosed\n---\nA contributor's draft.\n", encoding="utf-8")
    import_listing(SEED, AS_OF, content, SiteConfig())
    assert broken.read_text(encoding="utf-8").endswith("A contributor's draft.\n")
    assert (broken.parent / f"{broken.stem}-2.md").exists()


def test_a_write_that_fails_names_the_file(tmp_path):
    content = tmp_path / "content"
    plan = plan_import(read_listing(SEED, AS_OF), content, SiteConfig())
    plan.new[1].path.mkdir(parents=True)  # a folder where the second paper's file goes
    with pytest.raises(UserError, match="cannot write a paper after 1 of 89: Is a directory") as err:
        write_plan(plan, content)
    assert err.value.where == str(plan.new[1].path)


def test_the_temporary_files_a_killed_import_left_are_removed_once_stale_and_only_those(tmp_path):
    """An import killed with -9 mid-write left `.<file>.<12 hex>.tmp`; another import may be writing its own now."""
    content = tmp_path / "content"
    plan = plan_import(read_listing(SEED, AS_OF), content, SiteConfig())
    first, second = plan.new[0].path, plan.new[1].path
    for path in (first, second):
        path.parent.mkdir(parents=True, exist_ok=True)
    left = first.with_name(f".{first.name}.0123456789ab.tmp")
    writing = second.with_name(f".{second.name}.0123456789ab.tmp")
    theirs = first.with_name(".notes.md.0123456789ab.tmp")
    for path in (left, writing, theirs):
        path.write_text("half a paper", encoding="utf-8")
    stale = time.time() - STALE_TEMPORARY - 60
    for path in (left, theirs):
        os.utime(path, (stale, stale))
    write_plan(plan, content)
    assert not left.exists()
    assert writing.exists() and theirs.exists()


def test_a_file_too_large_for_a_listing_is_refused_unread(tmp_path):
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(65 * 2**20)  # sparse: no disk used
    with pytest.raises(UserError, match="larger than 64 MB: not a copied listing page"):
        read_listing(huge, AS_OF)
